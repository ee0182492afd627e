// The counters of GET /metrics, kept by wrapping the ports where the work happens: the SSH
// runner (connection errors, phase durations), the store (units finished), the chat
// transports (calls and errors) and the digest runs (digests posted).
import type { Metrics } from '../adapters/metrics/metrics.js';
import type { ChatTransport, DigestRuns } from '../bot/ports.js';
import type { NodeRunner, Store } from '../engine/ports.js';

/** A label value from an error: its code when it has one, else a short token of its message. */
export function errorLabel(error: unknown): string {
  const seen = new Set<unknown>();
  for (let at: unknown = error; at && !seen.has(at); at = at instanceof Error ? at.cause : undefined) {
    seen.add(at);
    if (typeof at === 'object' && 'code' in at && typeof at.code === 'string' && at.code !== '')
      return at.code.slice(0, 40);
  }
  const message = error instanceof Error ? error.message : String(error);
  return /[a-z_]{3,40}/i.exec(message)?.[0] ?? 'unknown';
}

export function instrumentRunner(runner: NodeRunner, metrics: Metrics): NodeRunner {
  return {
    async open(node) {
      let session: Awaited<ReturnType<NodeRunner['open']>>;
      try {
        session = await runner.open(node);
      } catch (error) {
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        metrics.sshErrors.inc({ reason: errorLabel(cause) });
        throw error;
      }
      return {
        async run(command) {
          const result = await session.run(command);
          const outcome = result.interrupted ?? (result.exitCode === 0 ? 'ok' : 'failed');
          metrics.phaseDuration.observe({ phase: command.phase, outcome }, result.durationMs / 1000);
          return result;
        },
        close: () => session.close(),
      };
    },
    close: () => runner.close(),
  };
}

export function instrumentStore(store: Store, metrics: Metrics): Store {
  return {
    ...store,
    async commit(upgradeId, revision, change) {
      const result = await store.commit(upgradeId, revision, change);
      if (result.ok)
        for (const event of change.events)
          if (event.type === 'unit.finished')
            metrics.unitsFinished.inc({ outcome: String(event.data.state), kind: String(event.data.kind) });
      return result;
    },
  };
}

export function instrumentTransport(transport: ChatTransport, metrics: Metrics): ChatTransport {
  const platform = transport.platform;
  return {
    platform,
    async deliver(item, existing, parent) {
      metrics.chatCalls.inc({ platform });
      try {
        return await transport.deliver(item, existing, parent);
      } catch (error) {
        metrics.chatErrors.inc({ platform, error: errorLabel(error) });
        throw error;
      }
    },
  };
}

export function instrumentDigests(digests: DigestRuns, metrics: Metrics): DigestRuns {
  return {
    ...digests,
    async finish(environment, scheduledAt, now) {
      await digests.finish(environment, scheduledAt, now);
      metrics.digestsPosted.inc({ environment });
    },
  };
}

// The counters of GET /metrics, kept by wrapping the ports where the work happens: the SSH
// runner (connection errors, phase durations), the store (units finished), the chat
// transports (calls and errors) and the digest runs (digests posted).
import type { Metrics } from '../adapters/metrics/metrics.js';
import type { ChatTransport, DigestRuns } from '../bot/ports.js';
import type { NodeRunner, Store } from '../engine/ports.js';
import type { PhaseResult } from '../engine/types.js';

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
      const observe = (phase: string, result: PhaseResult) => {
        const outcome = result.interrupted ?? (result.exitCode === 0 ? 'ok' : 'failed');
        metrics.phaseDuration.observe({ phase, outcome }, result.durationMs / 1000);
      };
      const runBatch = session.runBatch?.bind(session);
      return {
        async run(command) {
          const result = await session.run(command);
          observe(command.phase, result);
          return result;
        },
        // A session that batches keeps batching once counted (absent, the engine runs each phase).
        ...(runBatch
          ? {
              runBatch: (batch, onStep) =>
                runBatch(batch, (step) => {
                  observe(step.phase, step.result);
                  onStep(step);
                }),
            }
          : {}),
        close: () => session.close(),
      };
    },
    close: () => runner.close(),
  };
}

export function instrumentStore(store: Store, metrics: Metrics): Store {
  return {
    ...store,
    async commit(upgradeId, revision, change, lease) {
      // The lease fences a driver that lost it: it must reach the database.
      const result = await store.commit(upgradeId, revision, change, lease);
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
    async deliver(item, existing, parent, options) {
      metrics.chatCalls.inc({ platform });
      try {
        // The options carry `unsure`: dropping them would post a message twice after a crash.
        return await transport.deliver(item, existing, parent, options);
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

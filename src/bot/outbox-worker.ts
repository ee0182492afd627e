// Delivers the outbox through one platform's transport: in order per channel, each message
// once across every drover process (deliveries are claimed; later versions of a key edit it),
// retrying with backoff while the platform is down or rate-limits. It never blocks the engine:
// the engine only ever writes to the database.
import type { Clock } from '../engine/ports.js';
import type { Platform } from './model.js';
import { type ChatTransport, type Outbox, TransportError } from './ports.js';

export interface OutboxWorkerDeps {
  outbox: Outbox;
  transport: ChatTransport;
  clock: Clock;
  /** Who claims the deliveries (the drover process): other processes leave them alone. */
  owner: string;
  /** Called for every failed delivery (logging); the item stays queued. */
  onError?: (error: unknown, key: string) => void;
}

/** How long a claimed delivery is this worker's: past it (a crash), another may take it. */
const CLAIM_TTL_MS = 120_000;

export function backoffMs(attempts: number): number {
  return Math.min(60_000, 500 * 2 ** Math.min(attempts, 7));
}

export interface OutboxWorker {
  platform: Platform;
  /** Delivers what is due now; returns how many were delivered. */
  runOnce(): Promise<number>;
  /** runOnce until nothing is due. */
  drain(): Promise<number>;
  /** Loops until the signal aborts. */
  run(signal: AbortSignal, idleMs?: number): Promise<void>;
}

export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const { outbox, transport, clock } = deps;
  const platform = transport.platform;
  // Overlapping runs (the serve loop and a caller's own, say) claim disjoint items.
  const runOnce = async (): Promise<number> => {
    const now = clock.now();
    const due = await outbox.claim(platform, deps.owner, now, 20, CLAIM_TTL_MS);
    let delivered = 0;
    for (const item of due) {
      try {
        const existing = await outbox.ref(platform, item.channel, item.key);
        const parent = item.threadOf ? await outbox.ref(platform, item.channel, item.threadOf) : undefined;
        if (item.threadOf && !parent)
          throw new TransportError(`the parent message ${item.threadOf} is not delivered yet`, 1000);
        const ref = await transport.deliver(item, existing, parent);
        await outbox.delivered(item.id, ref);
        delivered += 1;
      } catch (error) {
        const wait =
          error instanceof TransportError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : backoffMs(item.attempts);
        await outbox.retryLater(
          item.id,
          new Date(now.getTime() + wait),
          error instanceof Error ? error.message : String(error),
        );
        deps.onError?.(error, item.key);
      }
    }
    return delivered;
  };
  return {
    platform,
    runOnce,
    async drain() {
      let total = 0;
      for (let n = await runOnce(); n > 0; n = await runOnce()) {
        total += n;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return total;
    },
    async run(signal, idleMs = 250) {
      while (!signal.aborted) {
        const n = await runOnce();
        if (n === 0) await clock.sleep(idleMs, signal);
      }
    },
  };
}

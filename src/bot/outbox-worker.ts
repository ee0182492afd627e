// Delivers the outbox through one platform's transport: in order per channel, each message
// once across every drover process (deliveries are claimed and the claim heartbeated; later
// versions of a key edit it), retrying transient trouble with backoff. A message the platform
// refuses for good goes dead after at most MAX_ATTEMPTS_PERMANENT tries, the channel is told
// once, and the messages after it go on: nothing blocks a channel. It never blocks the engine:
// the engine only ever writes to the database.
import type { Clock } from '../engine/ports.js';
import type { OutgoingMessage, Platform } from './model.js';
import { type ChatTransport, type Outbox, type OutboxItem, TransportError } from './ports.js';

export interface OutboxWorkerDeps {
  outbox: Outbox;
  transport: ChatTransport;
  clock: Clock;
  /** Who claims the deliveries (the drover process): other processes leave them alone. */
  owner: string;
  /** Called for every failed delivery (logging); the item stays queued or goes dead. */
  onError?: (error: unknown, key: string) => void;
  /** How long a claim outlives its last heartbeat (default CLAIM_TTL_MS). */
  claimTtlMs?: number;
}

/**
 * A claim lasts this long past its owner's last heartbeat (one every third of it): a process
 * that dies mid-delivery holds its channel for seconds, then another takes the message over.
 */
export const CLAIM_TTL_MS = 6_000;
/** Tries of a message the platform refused for good (invalid_blocks, 400, …) before it goes dead. */
export const MAX_ATTEMPTS_PERMANENT = 3;
/** The key of the one notice per channel that a message could not be delivered. */
export const NOTICE_KEY = 'drover:undeliverable';

export function backoffMs(attempts: number): number {
  return Math.min(60_000, 500 * 2 ** Math.min(attempts, 7));
}

export function noticeFor(item: OutgoingMessage, error: TransportError): OutgoingMessage | undefined {
  if (item.key === NOTICE_KEY) return undefined;
  return {
    platform: item.platform,
    channel: item.channel,
    key: NOTICE_KEY,
    threadOf: null,
    message: {
      summary: `a drover message could not be delivered: ${error.code} — \`drover outbox\` lists it`,
    },
  };
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
  const ttl = deps.claimTtlMs ?? CLAIM_TTL_MS;
  const report = (error: unknown, key: string) => deps.onError?.(error, key);

  /** Delivers the item, or puts it back for later, or marks it dead: true unless put back. */
  const deliverOne = async (item: OutboxItem): Promise<'delivered' | 'dead' | 'later'> => {
    try {
      const existing = await outbox.ref(platform, item.channel, item.key);
      const parent = item.threadOf ? await outbox.ref(platform, item.channel, item.threadOf) : undefined;
      if (item.threadOf && !parent) {
        if (await outbox.isDead(platform, item.channel, item.threadOf))
          throw new TransportError(`the parent message ${item.threadOf} could not be delivered`, undefined, {
            permanent: true,
            code: 'parent_dead',
          });
        throw new TransportError(`the parent message ${item.threadOf} is not delivered yet`, 1000);
      }
      const ref = await transport.deliver(item, existing, parent, { unsure: item.unsure });
      await outbox.delivered(item.id, ref);
      return 'delivered';
    } catch (raw) {
      const error =
        raw instanceof TransportError ? raw : new TransportError(String(raw), undefined, { cause: raw });
      const now = clock.now();
      report(raw, item.key);
      if (error.permanent && item.attempts + 1 >= MAX_ATTEMPTS_PERMANENT) {
        await outbox.dead(item.id, error.message, now, noticeFor(item, error));
        return 'dead';
      }
      const wait = error.retryAfterMs ?? backoffMs(item.attempts);
      await outbox.retryLater(item.id, new Date(now.getTime() + wait), error.message, error.unsure);
      return 'later';
    }
  };

  // Overlapping runs (the serve loop and a caller's own, say) claim disjoint items.
  const pass = async (): Promise<{ delivered: number; settled: number }> => {
    const due = await outbox.claim(platform, deps.owner, clock.now(), 20, ttl);
    if (due.length === 0) return { delivered: 0, settled: 0 };
    const heartbeat = setInterval(() => {
      outbox
        .extend(deps.owner, new Date(clock.now().getTime() + ttl))
        .catch((error: unknown) => report(error, 'heartbeat'));
    }, ttl / 3);
    heartbeat.unref();
    let delivered = 0;
    let settled = 0;
    try {
      for (const item of due) {
        const outcome = await deliverOne(item);
        if (outcome === 'delivered') delivered += 1;
        if (outcome !== 'later') settled += 1;
      }
    } finally {
      clearInterval(heartbeat);
    }
    return { delivered, settled };
  };
  const runOnce = async () => (await pass()).delivered;
  return {
    platform,
    runOnce,
    async drain() {
      let total = 0;
      for (let n = await pass(); n.settled > 0; n = await pass()) {
        total += n.delivered;
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

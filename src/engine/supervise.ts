// Loops that cannot die: every long-lived loop of a serving process (the engine host, the
// outbox pump, the digest scheduler, platform connections) runs under a supervisor. A loop
// that throws, or ends while nothing asked it to, is logged with its stack and cause, waits
// (doubling, capped) and starts again. Each loop says it is alive by calling `tick()`; a loop
// that has not ticked within its `staleAfterMs` is reported stale (GET /livez answers 503).
// Backoffs are wall-clock time whatever clock the engine runs on.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from './log.js';

export interface LoopStatus {
  name: string;
  state: 'running' | 'backing_off' | 'done' | 'stopped';
  lastTickAt: Date;
  staleAfterMs: number;
  /** Failures since the loop last made progress. */
  failures: number;
  lastError?: string;
}

export interface LoopOptions {
  /** Without a tick for this long, the loop counts as stuck (default 60 s). */
  staleAfterMs?: number;
  /** The body finishing means the job is done (a connection made), not that it died. */
  once?: boolean;
}

export type LoopBody = (tick: () => void, signal: AbortSignal) => Promise<void>;

export interface Supervisor {
  readonly signal: AbortSignal;
  run(name: string, body: LoopBody, options?: LoopOptions): void;
  status(): LoopStatus[];
  /** The loops that have not ticked for longer than they may. */
  stale(): LoopStatus[];
  /** Aborts every loop and waits for them to end. */
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export function backoff(failures: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(Math.max(failures - 1, 0), 20));
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const controller = new AbortController();
  const { signal } = controller;
  const now = options.now ?? Date.now;
  const minMs = options.minBackoffMs ?? 500;
  const maxMs = options.maxBackoffMs ?? 30_000;
  const loops = new Map<string, LoopStatus>();
  const running: Array<Promise<void>> = [];

  const supervised = async (status: LoopStatus, body: LoopBody, once: boolean) => {
    const log = options.log.child({ loop: status.name });
    const tick = () => {
      status.lastTickAt = new Date(now());
      status.failures = 0;
      status.state = 'running';
    };
    while (!signal.aborted) {
      try {
        await body(tick, signal);
        if (signal.aborted) break;
        if (once) {
          status.state = 'done';
          return;
        }
        throw new Error(`the ${status.name} loop ended by itself`);
      } catch (error) {
        if (signal.aborted) break;
        status.failures += 1;
        status.lastError = error instanceof Error ? error.message : String(error);
        status.state = 'backing_off';
        const waitMs = backoff(status.failures, minMs, maxMs);
        log.error({ err: error, failures: status.failures, retryInMs: waitMs }, `${status.name} failed`);
        await delay(waitMs, undefined, { signal }).catch(() => undefined);
        // Backing off is being alive: the loop is about to start again.
        status.lastTickAt = new Date(now());
      }
    }
    status.state = 'stopped';
  };

  return {
    signal,
    run(name, body, loopOptions = {}) {
      if (loops.has(name)) throw new Error(`a loop named ${name} already runs`);
      const status: LoopStatus = {
        name,
        state: 'running',
        lastTickAt: new Date(now()),
        staleAfterMs: loopOptions.staleAfterMs ?? 60_000,
        failures: 0,
      };
      loops.set(name, status);
      running.push(supervised(status, body, loopOptions.once ?? false));
    },
    status: () => [...loops.values()].map((status) => ({ ...status })),
    stale() {
      const at = now();
      return [...loops.values()]
        .filter((s) => s.state === 'running' && at - s.lastTickAt.getTime() > s.staleAfterMs)
        .map((status) => ({ ...status }));
    },
    async stop() {
      controller.abort();
      await Promise.allSettled(running);
    },
  };
}

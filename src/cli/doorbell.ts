// A doorbell for a polling loop: it sleeps until the next poll or until this process rang
// (wrote something the loop has to act on), whichever comes first. A ring while the loop is
// busy is kept, so the next wait returns at once and nothing written is left for a full poll.
import type { Clock } from '../engine/ports.js';

export interface Doorbell {
  ring(): void;
  /** Resolves after `ms`, on a ring, or when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
}

export function createDoorbell(clock: Clock): Doorbell {
  let rung = false;
  let answer: (() => void) | undefined;
  return {
    ring() {
      rung = true;
      answer?.();
    },
    async wait(ms, signal) {
      if (rung || signal?.aborted) {
        rung = false;
        return;
      }
      const nap = new AbortController();
      const end = () => nap.abort();
      answer = end;
      signal?.addEventListener('abort', end, { once: true });
      try {
        await clock.sleep(ms, nap.signal);
      } finally {
        signal?.removeEventListener('abort', end);
        answer = undefined;
        rung = false;
      }
    },
  };
}

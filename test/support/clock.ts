// A clock for tests: time moves only when the test says so. `sleep` resolves when the clock
// is advanced past its deadline (or its signal aborts), so loops on the clock never wait on
// real time, and `sleeping()` lets a test wait for a loop to reach its next sleep.
import type { Clock } from '../../src/engine/ports.js';

export interface TestClock extends Clock {
  /** Moves time forward by `ms`, waking every sleeper whose deadline has come. */
  advance(ms: number): void;
  /** Jumps to `date` (forward only), waking sleepers as `advance` does. */
  set(date: Date | string): void;
  /** Sleeps not yet woken. */
  readonly sleepers: number;
  /** Resolves once at least `count` sleeps are pending (a loop has come back to its sleep). */
  sleeping(count?: number): Promise<void>;
}

interface Sleeper {
  until: number;
  wake: () => void;
}

export function createTestClock(start: Date | string = '2026-01-01T00:00:00Z'): TestClock {
  let now = new Date(start).getTime();
  if (Number.isNaN(now)) throw new Error(`createTestClock: not a date: ${String(start)}`);
  const sleepers = new Set<Sleeper>();
  const watchers = new Set<{ count: number; resolve: () => void }>();

  const notifyWatchers = () => {
    for (const watcher of watchers)
      if (sleepers.size >= watcher.count) {
        watchers.delete(watcher);
        watcher.resolve();
      }
  };
  const wakeDue = () => {
    for (const sleeper of [...sleepers]) if (sleeper.until <= now) sleeper.wake();
  };

  return {
    now: () => new Date(now),
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const sleeper: Sleeper = {
          until: now + Math.max(0, ms),
          wake: () => {
            sleepers.delete(sleeper);
            signal?.removeEventListener('abort', sleeper.wake);
            resolve();
          },
        };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', sleeper.wake, { once: true });
        if (sleeper.until <= now) sleeper.wake();
        else notifyWatchers();
      });
    },
    advance(ms) {
      if (ms < 0) throw new Error('a test clock only moves forward');
      now += ms;
      wakeDue();
    },
    set(date) {
      const target = new Date(date).getTime();
      if (Number.isNaN(target) || target < now)
        throw new Error(`a test clock only moves forward: ${String(date)}`);
      now = target;
      wakeDue();
    },
    get sleepers() {
      return sleepers.size;
    },
    sleeping(count = 1) {
      if (sleepers.size >= count) return Promise.resolve();
      return new Promise<void>((resolve) => watchers.add({ count, resolve }));
    },
  };
}

// The real clock. Tests inject their own (test/support/clock.ts).
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../engine/ports.js';

export const systemClock: Clock = {
  now: () => new Date(),
  async sleep(ms, signal) {
    try {
      await delay(ms, undefined, signal ? { signal } : undefined);
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  },
};

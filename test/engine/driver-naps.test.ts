import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock.js';
import type { Clock } from '../../src/engine/ports.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

/** The system clock, counting the sleeps that have not ended yet. */
function countingClock(): Clock & { pending: () => number } {
  let pending = 0;
  return {
    now: systemClock.now,
    async sleep(ms, signal) {
      pending += 1;
      try {
        await systemClock.sleep(ms, signal);
      } finally {
        pending -= 1;
      }
    },
    pending: () => pending,
  };
}

describe('the driver between decisions', () => {
  const clock = countingClock();
  let lab: Lab;
  beforeAll(async () => {
    // A poll far longer than the run: only results wake the driver, and a nap it left
    // behind would still be pending when the run is over.
    lab = await startLab({
      controllers: 1,
      computes: 3,
      strategy: '{ kind: rolling, batch: 2, auto: true, soak: 0s }',
      clock,
      pollMs: 600_000,
    });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('is woken by each result and leaves no nap pending when the upgrade rests', async () => {
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await lab.engine.drive(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed');
    expect(clock.pending()).toBe(0);
  });
});

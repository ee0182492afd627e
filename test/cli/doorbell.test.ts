import { describe, expect, it } from 'vitest';
import { createDoorbell } from '../../src/cli/doorbell.js';
import { createTestClock } from '../support/clock.js';

describe('doorbell', () => {
  it('waits until the poll is due, unless rung before or during the wait', async () => {
    const clock = createTestClock();
    const bell = createDoorbell(clock);
    let woke = false;
    const waiting = bell.wait(1_000).then(() => {
      woke = true;
    });
    await clock.sleeping(1);
    clock.advance(999);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await waiting;

    // A ring during the wait ends it, and leaves no sleeper behind.
    const rungDuring = bell.wait(1_000);
    await clock.sleeping(1);
    bell.ring();
    await rungDuring;
    expect(clock.sleepers).toBe(0);

    // A ring while the loop was busy is kept for the next wait, once.
    bell.ring();
    await bell.wait(1_000);
    expect(clock.sleepers).toBe(0);
    const next = bell.wait(1_000);
    await clock.sleeping(1);
    clock.advance(1_000);
    await next;
  });

  it('ends the wait when the signal aborts', async () => {
    const clock = createTestClock();
    const bell = createDoorbell(clock);
    const stop = new AbortController();
    const waiting = bell.wait(60_000, stop.signal);
    await clock.sleeping(1);
    stop.abort();
    await waiting;
    expect(clock.sleepers).toBe(0);
    await bell.wait(60_000, stop.signal); // already aborted: returns at once
  });
});

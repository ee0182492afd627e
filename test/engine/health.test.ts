// Waiting for health: reruns until exit 0, up to retries + 1 runs, a dropped connection ends it.
import { describe, expect, it } from 'vitest';
import { waitForHealth } from '../../src/engine/health.js';
import type { PhaseResult } from '../../src/engine/types.js';

const run = (exitCode: number | null, interrupted: PhaseResult['interrupted'] = null): PhaseResult => ({
  exitCode,
  signal: null,
  stdoutTail: '',
  stderrTail: '',
  durationMs: 1,
  interrupted,
});

function script(...results: PhaseResult[]) {
  let calls = 0;
  return {
    run: async () => results[Math.min(calls++, results.length - 1)]!,
    calls: () => calls,
  };
}

describe('waitForHealth', () => {
  it('passes on the third try of four, waiting the interval between tries, telling each try', async () => {
    const health = script(run(1), run(1), run(0));
    const waits: number[] = [];
    const tries: string[] = [];
    const { result, tries: count } = await waitForHealth(
      health.run,
      { retries: 3, intervalMs: 5000 },
      async (ms) => {
        waits.push(ms);
      },
      ({ attempt, of, passed }) => {
        tries.push(`${attempt}/${of} ${passed ? 'passed' : 'failed'}`);
      },
    );
    expect(result.exitCode).toBe(0);
    expect(count).toBe(3);
    expect(waits).toEqual([5000, 5000]);
    expect(tries).toEqual(['1/4 failed', '2/4 failed', '3/4 passed']);
  });

  it('fails after retries + 1 runs when health never passes; 125 is retried and kept', async () => {
    const health = script(run(1), run(1), run(1), run(125));
    const { result, tries } = await waitForHealth(health.run, { retries: 3, intervalMs: 0 }, async () => {});
    expect(tries).toBe(4);
    expect(health.calls()).toBe(4);
    expect(result.exitCode).toBe(125);
  });

  it('says nothing when it takes one try, and stops at a dropped connection', async () => {
    const told: number[] = [];
    const once = await waitForHealth(
      script(run(0)).run,
      { retries: 5, intervalMs: 0 },
      async () => {},
      (t) => {
        told.push(t.attempt);
      },
    );
    expect(once.tries).toBe(1);
    expect(told).toEqual([]);
    const single = await waitForHealth(
      script(run(1)).run,
      { retries: 0, intervalMs: 0 },
      async () => {},
      (t) => {
        told.push(t.attempt);
      },
    );
    expect(single.tries).toBe(1);
    expect(told).toEqual([]);
    const dropped = await waitForHealth(
      script(run(null, 'connection')).run,
      { retries: 5, intervalMs: 0 },
      async () => {},
    );
    expect(dropped.tries).toBe(1);
  });
});

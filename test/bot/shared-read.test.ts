// Shared reads: askers during a read in flight share the next one, which begins after they
// asked; one read per key at a time, however many ask.
import { describe, expect, it } from 'vitest';
import { sharedRead } from '../../src/bot/shared-read.js';

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('sharedRead', () => {
  it('askers during a read share the next one, started after the first ends', async () => {
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    let value = 0;
    const read = sharedRead(async (key) => {
      const n = started.length;
      started.push(n);
      await gates[n]!.opened;
      value += 1;
      return `${key}:${value}`;
    });
    const first = read('status');
    const during = Array.from({ length: 10 }, () => read('status'));
    await Promise.resolve();
    expect(started).toEqual([0]);
    gates[0]!.open();
    expect(await first).toBe('status:1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    expect(await Promise.all(during)).toEqual(Array.from({ length: 10 }, () => 'status:2'));
    // Once nothing is in flight, the next asker starts a read of its own.
    const later = read('status');
    gates[2]!.open();
    expect(await later).toBe('status:3');
    expect(started).toHaveLength(3);
  });

  it('keys are read apart; a failed read fails its askers only', async () => {
    let calls = 0;
    const read = sharedRead(async (key) => {
      calls += 1;
      if (key === 'bad' && calls === 1) throw new Error('database gone');
      return key;
    });
    const bad = read('bad');
    const again = read('bad');
    const other = read('good');
    await expect(bad).rejects.toThrow('database gone');
    expect(await again).toBe('bad');
    expect(await other).toBe('good');
    expect(calls).toBe(3);
  });
});

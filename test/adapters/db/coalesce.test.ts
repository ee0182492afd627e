// Coalesced writes: the first at once, the ones that arrive meanwhile together, each caller
// told about its own row.
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../../src/adapters/db/coalesce.js';

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('coalesce', () => {
  it('writes the first item alone and the ones queued meanwhile in one batch, in order', async () => {
    const batches: number[][] = [];
    const first = gate();
    const record = coalesce<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await first.opened;
    });
    const done = [record(1), record(2), record(3), record(4)];
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    first.open();
    await Promise.all(done);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await record(5);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('splits a long queue at the batch size', async () => {
    const batches: number[][] = [];
    const record = coalesce<number>(
      async (items) => {
        batches.push(items);
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map(record));
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('with a linger time, items arriving within it share the first write', async () => {
    const batches: number[][] = [];
    const record = coalesce<number>(
      async (items) => {
        batches.push(items);
      },
      { lingerMs: 30 },
    );
    const first = record(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = record(2);
    expect(batches).toEqual([]);
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('rejects the callers of a failed batch only, and goes on with the next', async () => {
    const first = gate();
    let calls = 0;
    const record = coalesce<string>(async (items) => {
      calls += 1;
      if (calls === 1) await first.opened;
      if (items.includes('bad')) throw new Error('constraint violated');
    });
    const results = [record('a'), record('bad'), record('c')].map((p) =>
      p.then(
        () => 'stored',
        (error: Error) => error.message,
      ),
    );
    first.open();
    expect(await Promise.all(results)).toEqual(['stored', 'constraint violated', 'constraint violated']);
    await expect(record('d')).resolves.toBeUndefined();
  });
});

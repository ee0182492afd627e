// The /metrics wrappers count work and change nothing else: what the engine passes through
// them reaches the database as it was given — a commit's lease, which fences a driver that
// lost it. (A delivery's doubt passing through the transport wrapper: test/cli/serve-crash.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/open.js';
import { createMetrics } from '../../src/adapters/metrics/metrics.js';
import { instrumentStore } from '../../src/cli/instrument.js';
import { labPlan } from '../support/config.js';
import { openTestDatabase } from '../support/db.js';

describe('instrumented ports', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('a commit under a lease that was taken over is refused through the instrumented store', async () => {
    const store = instrumentStore(database.store, createMetrics());
    const { upgrade } = await store.createUpgrade(
      { environment: 'lab', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
      { type: 'command', data: {} },
    );
    const t0 = new Date('2030-01-01T00:00:00Z');
    const first = await store.acquireLease(upgrade.id, 'a', 1000, t0);
    const later = new Date(t0.getTime() + 2000);
    const taken = await store.acquireLease(upgrade.id, 'b', 1000, later);
    expect(taken).toBe(first! + 1);
    const { revision } = (await store.load(upgrade.id))!.upgrade;
    const stale = await store.commit(
      upgrade.id,
      revision,
      { events: [] },
      { owner: 'a', epoch: first!, now: later, ttlMs: 1000 },
    );
    expect(stale).toMatchObject({ ok: false, leaseLost: true });
  });
});

// Races only show on a real server: PGlite is one session and serializes everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/db/open.js';
import { ActiveUpgradeExistsError } from '../../../src/errors.js';
import { labPlan } from '../../support/config.js';
import { openTestDatabase } from '../../support/db.js';

// The config has one environment; the store keys on the upgrade's own environment field.

describe.runIf(process.env.DATABASE_URL)('races on postgres', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('ten concurrent commits at one revision: exactly one wins, its event alone is stored', async () => {
    const { store } = database;
    const snapshot = await store.createUpgrade(
      { environment: 'lab', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
      { type: 'command', data: {} },
    );
    const unit = snapshot.units[0]!;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.commit(snapshot.upgrade.id, 0, {
          upgrade: { reason: `writer ${i}` },
          units: [{ id: unit.id, attempts: i + 1 }],
          events: [{ type: 'command', data: { i } }],
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = results.findIndex((r) => r.ok);
    const after = (await store.load(snapshot.upgrade.id))!;
    expect(after.upgrade).toMatchObject({ revision: 1, reason: `writer ${winner}` });
    expect(after.units[0]!.attempts).toBe(winner + 1);
    const stored = (await store.eventsAfter(0, 100)).filter((e) => e.upgradeId === snapshot.upgrade.id);
    expect(stored.map((e) => e.data)).toEqual([{}, { i: winner }]);
  });

  it('six concurrent starts in one environment: one upgrade, five ActiveUpgradeExistsError', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        database.store.createUpgrade(
          {
            environment: 'race',
            release: 'havana',
            plan: labPlan(),
            startedBy: 'ops',
            reason: '',
            hooks: [],
          },
          { type: 'command', data: {} },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ActiveUpgradeExistsError);
    expect(await database.store.active('race')).toHaveLength(1);
  });

  it('concurrent digest claims, fresh and stale, and event dedup: one winner each', async () => {
    const at = new Date('2030-01-01T09:00:00Z');
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => database.digests.claim('lab', at, `p${i}`, at, 60_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const later = new Date(at.getTime() + 120_000);
    const takeovers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => database.digests.claim('lab', at, `q${i}`, later, 60_000)),
    );
    expect(takeovers.filter(Boolean)).toHaveLength(1);
    const seen = await Promise.all(
      Array.from({ length: 8 }, () => database.dedup.firstSeen('slack', 'Ev9', at)),
    );
    expect(seen.filter(Boolean)).toHaveLength(1);
  });

  it('concurrent lease takers of a free lease: one owner', async () => {
    const [upgrade] = await database.store.active('lab');
    const now = new Date('2030-01-01T00:00:00Z');
    const got = await Promise.all(
      Array.from({ length: 8 }, (_, i) => database.store.acquireLease(upgrade!.id, `o${i}`, 30_000, now)),
    );
    expect(got.filter(Boolean)).toHaveLength(1);
  });
});

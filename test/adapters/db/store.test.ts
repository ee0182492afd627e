import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/db/open.js';
import { ActiveUpgradeExistsError } from '../../../src/errors.js';
import { labPlan } from '../../support/config.js';
import { backends, openTestDatabase } from '../../support/db.js';

const start = { type: 'command' as const, data: { verb: 'start' } };

describe.each(backends())('store on %s', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates an upgrade with its waves and units, and only one active per environment', async () => {
    const { store } = database;
    const snapshot = await store.createUpgrade(
      {
        environment: 'lab',
        release: 'havana',
        plan: labPlan(),
        startedBy: 'ops',
        reason: 'started by ops',
        hooks: [],
      },
      start,
    );
    expect(snapshot.upgrade).toMatchObject({ state: 'planned', revision: 0, currentWave: 0 });
    expect(snapshot.waves.map((w) => w.service)).toEqual(labPlan().waves.map((w) => w.service));
    expect(snapshot.units.map((u) => u.seq)).toEqual(snapshot.units.map((_, i) => i + 1));
    await expect(
      store.createUpgrade(
        { environment: 'lab', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
        start,
      ),
    ).rejects.toBeInstanceOf(ActiveUpgradeExistsError);
    expect((await store.active('lab')).map((u) => u.id)).toEqual([snapshot.upgrade.id]);
  });

  it('commits at a revision, refuses a stale one, and stores failures, versions and events together', async () => {
    const { store } = database;
    const [upgrade] = await store.active('lab');
    const snapshot = (await store.load(upgrade!.id))!;
    const unit = snapshot.units[0]!;
    const ok = await store.commit(upgrade!.id, snapshot.upgrade.revision, {
      upgrade: { state: 'running', reason: 'go' },
      waves: [{ index: 0, state: 'running', startedAt: new Date() }],
      units: [{ id: unit.id, state: 'failed', phase: 'health', exitCode: 3, outputTail: 'boom' }],
      failures: [
        {
          fingerprint: 'f1',
          service: unit.service,
          phase: 'health',
          exitCode: 3,
          nodes: [unit.node],
          outputTail: 'boom',
        },
      ],
      versions: [
        { node: unit.node, service: unit.service, version: 'grizzly' },
        { node: unit.node, service: unit.service, version: 'havana' },
      ],
      events: [{ type: 'failure.opened', data: { fingerprint: 'f1' } }],
    });
    expect(ok.ok).toBe(true);
    expect(ok.failureIds).toHaveLength(1);
    const stale = await store.commit(upgrade!.id, snapshot.upgrade.revision, {
      upgrade: { state: 'paused' },
      events: [],
    });
    expect(stale).toEqual({ ok: false, failureIds: [] });
    const after = (await store.load(upgrade!.id))!;
    expect(after.upgrade).toMatchObject({ state: 'running', revision: 1 });
    expect(after.units[0]).toMatchObject({ state: 'failed', phase: 'health', exitCode: 3 });
    expect(after.failures[0]).toMatchObject({
      id: ok.failureIds[0],
      state: 'open',
      nodes: [unit.node],
      culprit: null,
    });
    expect((await store.versions('lab')).get(unit.node)?.get(unit.service)).toBe('havana');
    await store.commit(upgrade!.id, null, {
      failures: [{ id: ok.failureIds[0]!, state: 'acked', ackedBy: 'alice', ackedAt: new Date() }],
      events: [],
    });
    expect(await store.failure(ok.failureIds[0]!)).toMatchObject({ state: 'acked', ackedBy: 'alice' });
    const events = await store.eventsAfter(0, 100);
    expect(events.map((e) => e.type)).toEqual(['command', 'failure.opened']);
    expect(await store.eventsAfter(events[0]!.id, 100)).toHaveLength(1);
  });

  it('leases: one owner at a time, renewable, taken over once expired', async () => {
    const { store } = database;
    const [upgrade] = await store.active('lab');
    const t0 = new Date('2030-01-01T00:00:00Z');
    const first = await store.acquireLease(upgrade!.id, 'a', 1000, t0);
    expect(first).toBeGreaterThan(0);
    expect(await store.acquireLease(upgrade!.id, 'b', 1000, t0)).toBeUndefined();
    // Renewing keeps the epoch; a takeover bumps it.
    expect(await store.acquireLease(upgrade!.id, 'a', 1000, new Date(t0.getTime() + 500))).toBe(first);
    expect(await store.leaseHolder(upgrade!.id, t0)).toBe('a');
    const later = new Date(t0.getTime() + 2000);
    const taken = await store.acquireLease(upgrade!.id, 'b', 1000, later);
    expect(taken).toBe(first! + 1);
    // Fencing: a's commits name the epoch it held and are refused, however current its revision.
    const { revision } = (await store.load(upgrade!.id))!.upgrade;
    const stale = await store.commit(
      upgrade!.id,
      revision,
      { events: [] },
      { owner: 'a', epoch: first!, now: later, ttlMs: 1000 },
    );
    expect(stale).toMatchObject({ ok: false, leaseLost: true });
    const held = await store.commit(
      upgrade!.id,
      revision,
      { events: [] },
      { owner: 'b', epoch: taken!, now: later, ttlMs: 1000 },
    );
    expect(held.ok).toBe(true);
    await store.releaseLease(upgrade!.id, 'b');
    expect(await store.leaseHolder(upgrade!.id, t0)).toBeUndefined();
  });

  it('dedup and digest claims', async () => {
    const { dedup, digests } = database;
    const now = new Date('2030-01-01T09:00:00Z');
    expect(await dedup.firstSeen('slack', 'Ev1', now)).toBe(true);
    expect(await dedup.firstSeen('slack', 'Ev1', now)).toBe(false);
    expect(await digests.claim('lab', now, 'a', now, 60_000)).toBe(true);
    expect(await digests.claim('lab', now, 'b', now, 60_000)).toBe(false);
    expect(await digests.claim('lab', now, 'b', new Date(now.getTime() + 120_000), 60_000)).toBe(true);
    await digests.finish('lab', now, new Date(now.getTime() + 121_000));
    expect(await digests.claim('lab', now, 'c', new Date(now.getTime() + 999_000), 60_000)).toBe(false);
    expect((await digests.last('lab'))?.scheduledAt).toEqual(now);
  });
});

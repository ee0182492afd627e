// The finer points of a commit: patches of many rows at once, explicit nulls, jsonb fields,
// new failures' ids in order, the scope of an upgrade, and the history beside decisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/db/open.js';
import type { UpgradeSnapshot } from '../../../src/engine/ports.js';
import type { Culprit } from '../../../src/engine/types.js';
import { ActiveUpgradeExistsError, NotFoundError } from '../../../src/errors.js';
import { labPlan } from '../../support/config.js';
import { backends, openTestDatabase } from '../../support/db.js';

const culprit: Culprit = {
  how: 'commit',
  sha: 'a'.repeat(40),
  shortSha: 'aaaaaaa',
  subject: 'Break keystone',
  authorName: 'Alice',
  authorEmail: 'alice@example.com',
  probes: 0,
  suspects: [],
  note: 'the only commit',
};
const failure = (fingerprint: string, node: string) => ({
  fingerprint,
  service: 'keystone',
  phase: 'health' as const,
  exitCode: 3,
  nodes: [node],
  outputTail: `${fingerprint} broke`,
});

describe.each(backends())('store commits on %s', (backend) => {
  let database: Database;
  let first: UpgradeSnapshot;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    first = await database.store.createUpgrade(
      { environment: 'env-a', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
      { type: 'command', data: { n: 1 } },
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates waves by plan index and units in running order', () => {
    const planned = labPlan();
    expect(first.waves.map((w) => [w.index, w.service, w.state])).toEqual(
      planned.waves.map((w, i) => [i, w.service, 'pending']),
    );
    expect(first.units.map((u) => [u.wave, u.service, u.node])).toEqual(
      planned.waves.flatMap((w, i) => w.units.map((u) => [i, u.service, u.node])),
    );
    expect(first.units.every((u) => u.state === 'pending' && u.attempts === 0 && u.startedSeq === null)).toBe(
      true,
    );
  });

  it('patches every unit at once, each with its own fields, explicit nulls included', async () => {
    const { store } = database;
    const started = new Date('2030-01-01T10:00:00.123Z');
    const ok = await store.commit(first.upgrade.id, 0, {
      units: first.units.map((u, i) => ({
        id: u.id,
        state: 'failed',
        exitCode: i,
        startedSeq: i + 1,
        startedAt: started,
        outputTail: `o'${i}"`,
      })),
      events: [],
    });
    expect(ok).toEqual({ ok: true, failureIds: [] });
    const retried = first.units[1]!;
    await store.commit(first.upgrade.id, 1, {
      units: [
        { id: retried.id, state: 'pending', exitCode: null, attempts: 1 },
        { id: first.units[0]!.id, versionAfter: 'havana' },
        { id: first.units[0]!.id, versionBefore: 'grizzly', phase: 'upgrade' },
      ],
      events: [],
    });
    const after = (await store.load(first.upgrade.id))!;
    expect(after.upgrade.revision).toBe(2);
    expect(after.units[0]).toMatchObject({
      state: 'failed',
      exitCode: 0,
      startedSeq: 1,
      startedAt: started,
      outputTail: `o'0"`,
      versionBefore: 'grizzly',
      versionAfter: 'havana',
      phase: 'upgrade',
    });
    expect(after.units[1]).toMatchObject({ state: 'pending', exitCode: null, attempts: 1, startedSeq: 2 });
    expect(after.units.at(-1)).toMatchObject({ state: 'failed', exitCode: after.units.length - 1 });
  });

  it('inserts new failures returning their ids in order, and patches existing ones (jsonb culprit, nulls)', async () => {
    const { store } = database;
    const [a, b] = first.units;
    const created = await store.commit(first.upgrade.id, null, {
      failures: [failure('fp-2', b!.node), failure('fp-1', a!.node)],
      events: [{ type: 'failure.opened', data: {} }],
    });
    expect(created.ok).toBe(true);
    const [id2, id1] = created.failureIds;
    expect(await store.failure(id2!)).toMatchObject({ fingerprint: 'fp-2', state: 'open', culprit: null });
    expect(await store.failure(id1!)).toMatchObject({ fingerprint: 'fp-1', nodes: [a!.node] });
    const ackedAt = new Date('2030-01-01T11:00:00Z');
    const patched = await store.commit(first.upgrade.id, null, {
      failures: [
        { id: id1!, culprit, nodes: [a!.node, b!.node] },
        { id: id2!, state: 'acked', ackedBy: 'alice', ackedAt, ackNote: 'known' },
        failure('fp-3', a!.node),
      ],
      events: [],
    });
    expect(patched.failureIds).toHaveLength(1);
    expect(await store.failure(id1!)).toMatchObject({ culprit, nodes: [a!.node, b!.node], state: 'open' });
    expect(await store.failure(id2!)).toMatchObject({
      state: 'acked',
      ackedBy: 'alice',
      ackedAt,
      ackNote: 'known',
    });
    await store.commit(first.upgrade.id, null, { failures: [{ id: id1!, culprit: null }], events: [] });
    expect((await store.failure(id1!))?.culprit).toBeNull();
    expect((await store.load(first.upgrade.id))!.failures.map((f) => f.fingerprint)).toEqual([
      'fp-2',
      'fp-1',
      'fp-3',
    ]);
  });

  it('a commit cannot patch another upgrade’s failures; an unknown upgrade is NotFoundError', async () => {
    const { store } = database;
    const [failureOfFirst] = (await store.load(first.upgrade.id))!.failures;
    const other = await store.createUpgrade(
      { environment: 'env-b', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
      { type: 'command', data: { n: 2 } },
    );
    await store.commit(other.upgrade.id, null, {
      failures: [{ id: failureOfFirst!.id, state: 'resolved' }],
      events: [],
    });
    expect((await store.failure(failureOfFirst!.id))?.state).toBe(failureOfFirst!.state);
    await expect(store.commit(999_999, null, { events: [] })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('moving a finished upgrade back to active while another is active is refused by the index', async () => {
    const { store } = database;
    await store.commit(first.upgrade.id, null, {
      upgrade: { state: 'failed', reason: 'gave up' },
      events: [],
    });
    const next = await store.createUpgrade(
      { environment: 'env-a', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
      { type: 'command', data: { n: 3 } },
    );
    const revision = (await store.load(first.upgrade.id))!.upgrade.revision;
    await expect(
      store.commit(first.upgrade.id, revision, { upgrade: { state: 'running' }, events: [] }),
    ).rejects.toBeInstanceOf(ActiveUpgradeExistsError);
    expect((await store.load(first.upgrade.id))!.upgrade).toMatchObject({ state: 'failed', revision });
    expect((await store.recent(2, 'env-a')).map((u) => u.id)).toEqual([next.upgrade.id, first.upgrade.id]);
    expect((await store.active()).map((u) => u.environment).sort()).toEqual(['env-a', 'env-b']);
  });

  it('records phase runs without a revision bump; events come back in id order from any cursor', async () => {
    const { store } = database;
    const before = (await store.load(first.upgrade.id))!.upgrade.revision;
    await store.recordPhase(first.units[0]!.id, 'health', {
      exitCode: 1,
      signal: null,
      stdoutTail: 'out',
      stderrTail: 'err',
      durationMs: 12.6,
      interrupted: 'timeout',
    });
    expect((await store.load(first.upgrade.id))!.upgrade.revision).toBe(before);
    const rows = await database.db.execute('select phase, duration_ms, interrupted from phase_runs');
    const list = Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows;
    expect(list).toEqual([{ phase: 'health', duration_ms: 13, interrupted: 'timeout' }]);
    const all = await store.eventsAfter(0, 100);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => x - y));
    expect(all.filter((e) => e.type === 'command').map((e) => e.data)).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    expect(await store.eventsAfter(all[1]!.id, 1)).toEqual([all[2]]);
    expect(await store.lastEventId()).toBe(all.at(-1)!.id);
  });

  it('stores every phase record of many units finishing at once, each call settling when its row is in', async () => {
    const { store } = database;
    const result = (exitCode: number) => ({
      exitCode,
      signal: null,
      stdoutTail: `out ${exitCode}`,
      stderrTail: '',
      durationMs: exitCode,
      interrupted: null,
    });
    const count = async () => {
      const rows = await database.db.execute('select count(*)::int as n from phase_runs');
      const list = Array.isArray(rows) ? rows : (rows as { rows: Array<{ n: number }> }).rows;
      return (list[0] as { n: number }).n;
    };
    const before = await count();
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => store.recordPhase(first.units[0]!.id, 'upgrade', result(i))),
    );
    expect(await count()).toBe(before + 120);
    await expect(store.recordPhase(987_654, 'upgrade', result(0))).rejects.toThrow();
    await store.recordPhase(first.units[0]!.id, 'undrain', result(7));
    expect(await count()).toBe(before + 121);
  });
});

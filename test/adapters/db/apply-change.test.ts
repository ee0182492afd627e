// The driver keeps its snapshot by applying its own commits in memory (src/engine/apply.ts):
// here, on each backend, every kind of change is committed and the store's snapshot read back
// is the one applyChange computed, field for field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/db/open.js';
import { applyChange } from '../../../src/engine/apply.js';
import type { Change, UpgradeSnapshot } from '../../../src/engine/ports.js';
import { labPlan } from '../../support/config.js';
import { backends, openTestDatabase } from '../../support/db.js';

/** What the store stamps itself (the commit's time) is left out of the comparison. */
function comparable(snapshot: UpgradeSnapshot) {
  return {
    ...snapshot,
    upgrade: { ...snapshot.upgrade, updatedAt: null },
    failures: snapshot.failures.map((f) => ({ ...f, createdAt: null })),
  };
}

describe.each(backends())('applyChange mirrors a commit on %s', (backend) => {
  let database: Database;
  let snapshot: UpgradeSnapshot;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    snapshot = await database.store.createUpgrade(
      { environment: 'lab', release: 'havana', plan: labPlan(), startedBy: 'ops', reason: '', hooks: [] },
      { type: 'upgrade.started', data: {} },
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  const step = async (change: (s: UpgradeSnapshot) => Change) => {
    const decided = change(snapshot);
    const { ok, failureIds } = await database.store.commit(
      snapshot.upgrade.id,
      snapshot.upgrade.revision,
      decided,
    );
    expect(ok).toBe(true);
    const applied = applyChange(snapshot, decided, failureIds, new Date());
    const stored = (await database.store.load(snapshot.upgrade.id))!;
    expect(comparable(applied)).toEqual(comparable(stored));
    snapshot = stored;
  };

  it('upgrade fields, waves, units with dates and explicit nulls, undefined fields left alone', async () => {
    const at = new Date('2030-01-01T10:00:00.123Z');
    await step((s) => ({
      upgrade: { state: 'running', currentWave: 0, reason: undefined },
      waves: [{ index: 0, state: 'running', startedAt: at }],
      units: s.units.slice(0, 3).map((u, i) => ({
        id: u.id,
        state: 'running',
        phase: 'drain',
        startedSeq: i + 1,
        startedAt: at,
        attempts: 1,
        exitCode: undefined,
      })),
      events: [{ type: 'wave.started', data: { wave: 0 } }],
    }));
    await step((s) => ({
      units: [
        { id: s.units[0]!.id, state: 'done', phase: null, versionBefore: 'grizzly', versionAfter: 'havana' },
        { id: s.units[1]!.id, state: 'failed', phase: 'health', exitCode: 3, outputTail: `it's "broken"\n` },
        { id: s.units[1]!.id, finishedAt: new Date('2030-01-01T10:00:05.000Z') },
      ],
      versions: [{ node: s.units[0]!.node, service: s.units[0]!.service, version: 'havana' }],
      events: [],
    }));
  });

  it('new failures get the ids the store gave them; patches of existing ones, jsonb included', async () => {
    await step((s) => ({
      upgrade: { state: 'paused', reason: 'keystone health failed on 1 node' },
      failures: [
        {
          fingerprint: 'f1',
          service: 'keystone',
          phase: 'health',
          exitCode: 3,
          nodes: [s.units[1]!.node],
          outputTail: 'broke',
        },
        {
          fingerprint: 'f2',
          service: 'keystone',
          phase: 'upgrade',
          exitCode: null,
          nodes: ['a', 'b'],
          outputTail: '',
        },
      ],
      events: [],
    }));
    expect(snapshot.failures.map((f) => f.fingerprint)).toEqual(['f1', 'f2']);
    await step((s) => ({
      failures: [
        {
          id: s.failures[0]!.id,
          state: 'acked',
          ackedBy: 'U1',
          ackedAt: new Date('2030-01-01T11:00:00.000Z'),
          ackNote: 'mine',
          culprit: {
            how: 'commit',
            sha: 'a'.repeat(40),
            shortSha: 'aaaaaaa',
            subject: 'Break keystone',
            authorName: 'Alice',
            authorEmail: 'alice@example.com',
            probes: 2,
            suspects: [],
            note: 'bisected',
          },
        },
      ],
      upgrade: { plan: { ...s.upgrade.plan, commit: 'b'.repeat(40) } },
      events: [],
    }));
  });
});

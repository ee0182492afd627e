// Upgrade snapshots as plain data, for the pure decision functions, and a way to apply a
// Change to one the way the store does (the store's own tests check that it does).
import type { Change, FailureRecord, UpgradeSnapshot } from '../../src/engine/ports.js';
import type { Plan } from '../../src/engine/types.js';

export function snapshotOf(plan: Plan, id = 1): UpgradeSnapshot {
  const at = new Date('2026-01-01T00:00:00Z');
  let seq = 0;
  return {
    upgrade: {
      id,
      environment: plan.environment,
      release: plan.release,
      state: 'planned',
      reason: '',
      plan,
      revision: 0,
      currentWave: 0,
      startedBy: 'ops',
      createdAt: at,
      updatedAt: at,
    },
    waves: plan.waves.map((wave) => ({
      upgradeId: id,
      index: wave.index,
      service: wave.service,
      state: 'pending',
      reason: '',
      startedAt: null,
      finishedAt: null,
    })),
    units: plan.waves.flatMap((wave) =>
      wave.units.map((unit) => {
        seq += 1;
        return {
          id: seq,
          upgradeId: id,
          wave: wave.index,
          seq,
          service: unit.service,
          node: unit.node,
          state: 'pending' as const,
          phase: null,
          startedSeq: null,
          exitCode: null,
          outputTail: '',
          versionBefore: null,
          versionAfter: null,
          attempts: 0,
          startedAt: null,
          finishedAt: null,
        };
      }),
    ),
    failures: [],
  };
}

/** Applies a change to a snapshot as a store commit would (ids for new failures included). */
export function applyChange(snapshot: UpgradeSnapshot, change: Change): UpgradeSnapshot {
  const next = structuredClone(snapshot);
  Object.assign(next.upgrade, change.upgrade ?? {}, { revision: snapshot.upgrade.revision + 1 });
  for (const patch of change.waves ?? []) Object.assign(next.waves[patch.index]!, patch);
  for (const patch of change.units ?? []) Object.assign(next.units.find((u) => u.id === patch.id)!, patch);
  for (const item of change.failures ?? []) {
    if (item.id === undefined) {
      const failure: FailureRecord = {
        ...item,
        id: next.failures.length + 1,
        upgradeId: next.upgrade.id,
        state: 'open',
        culprit: null,
        ackedBy: null,
        ackedAt: null,
        ackNote: null,
        createdAt: new Date(),
      };
      next.failures.push(failure);
    } else Object.assign(next.failures.find((f) => f.id === item.id)!, item);
  }
  return next;
}

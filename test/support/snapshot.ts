// Upgrade snapshots as plain data, for the pure decision functions, and a Change applied to
// one as the store applies it (test/adapters/db/apply-change.test.ts checks that it does).
import { applyChange as applyCommitted } from '../../src/engine/apply.js';
import { initialHookRuns } from '../../src/engine/hooks.js';
import type { Change, UpgradeSnapshot } from '../../src/engine/ports.js';
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
      pausedBy: null,
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
    hooks: initialHookRuns(plan).map((hook, index) => ({ ...hook, id: index + 1, upgradeId: id })),
  };
}

/** Applies a change to a snapshot as a store commit would, new failures numbered on. */
export function applyChange(snapshot: UpgradeSnapshot, change: Change): UpgradeSnapshot {
  const fresh = (change.failures ?? []).filter((f) => f.id === undefined);
  const ids = fresh.map((_, i) => snapshot.failures.length + i + 1);
  return applyCommitted(snapshot, change, ids, new Date());
}

// A committed Change applied to the snapshot it was decided on, as the store applies it: the
// driver keeps this instead of reading the whole upgrade back after each of its own commits.
import type { Change, FailureRecord, NewFailure, UpgradeSnapshot } from './ports.js';

/** A field a patch leaves undefined keeps its value, as in the store. */
function defined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function patchBy<T, K>(rows: T[], patches: Array<Partial<T>>, key: (row: Partial<T>) => K): T[] {
  if (patches.length === 0) return rows;
  const byKey = new Map<K, Partial<T>>();
  for (const patch of patches) byKey.set(key(patch), { ...byKey.get(key(patch)), ...defined(patch) });
  return rows.map((row) => {
    const patch = byKey.get(key(row));
    return patch ? { ...row, ...patch } : row;
  });
}

/**
 * The snapshot after `change` was committed on it: the revision one further, `failureIds` the
 * ids the store gave the new failures (in order), `now` the time of the commit.
 */
export function applyChange(
  snapshot: UpgradeSnapshot,
  change: Change,
  failureIds: number[],
  now: Date,
): UpgradeSnapshot {
  const failures = change.failures ?? [];
  const fresh = failures.filter((f): f is NewFailure => f.id === undefined);
  const patches = failures.filter((f) => f.id !== undefined) as Array<Partial<FailureRecord>>;
  const opened: FailureRecord[] = fresh.map(({ id: _none, ...failure }, i) => ({
    ...failure,
    kind: failure.kind ?? 'phase',
    id: failureIds[i]!,
    upgradeId: snapshot.upgrade.id,
    state: 'open',
    culprit: null,
    ackedBy: null,
    ackedAt: null,
    ackNote: null,
    createdAt: now,
  }));
  return {
    upgrade: {
      ...snapshot.upgrade,
      ...defined(change.upgrade ?? {}),
      revision: snapshot.upgrade.revision + 1,
      updatedAt: now,
    },
    waves: patchBy(snapshot.waves, change.waves ?? [], (wave) => wave.index),
    units: patchBy(snapshot.units, change.units ?? [], (unit) => unit.id),
    failures: [...patchBy(snapshot.failures, patches, (failure) => failure.id), ...opened],
    hooks: patchBy(snapshot.hooks, change.hooks ?? [], (hook) => hook.id),
  };
}

// Rolling back: reverse dependency order (every unit of a service before any unit of a
// service it comes `after`), newest wave first within a service, newest unit first within a
// wave, concurrency and `maxUnavailable` holding.
import { type DecideContext, dependentsOf } from './context.js';
import { type Dispatch, fullRoles, isActive, markDown, unavailableByRole } from './dispatch.js';
import type { Draft } from './draft.js';
import { rollbackHookGate } from './hook-steps.js';
import type { Observations } from './observe.js';
import type { UnitRecord } from './ports.js';
import type { Phase } from './types.js';

const STARTED_UPGRADE: ReadonlyArray<Phase | null> = ['upgrade', 'health', 'undrain'];

/** Still to roll back, or rolling back now, or still upgrading (its rollback follows). */
const unfinished = (unit: UnitRecord) => unit.state === 'rolling_back' || unit.state === 'running';

export function rollBack(
  draft: Draft,
  observations: Observations,
  context: DecideContext,
  now: Date,
  dispatch: Dispatch[],
  hooks: number[] = [],
): void {
  const inScope = new Set(
    draft.waves.filter((wave) => wave.state === 'rolled_back').map((wave) => wave.index),
  );
  const scoped = [...draft.units.values()].filter((unit) => inScope.has(unit.wave));
  for (const unit of scoped) {
    const upgraded =
      unit.state === 'done' || (unit.state === 'failed' && STARTED_UPGRADE.includes(unit.phase));
    if (upgraded) draft.setUnit(unit.id, { state: 'rolling_back', phase: null });
  }
  const all = [...draft.units.values()];
  let capacity = draft.snapshot.upgrade.plan.strategy.concurrency - all.filter(isActive).length;
  // Only what is in flight counts against maxUnavailable here: a failed node is out of service
  // already, and rolling it back is what brings it back (counting it would stop the rollback).
  const down = unavailableByRole(all.filter(isActive), context);
  const queued = scoped
    .filter((unit) => unit.state === 'rolling_back' && unit.phase === null)
    .sort((a, b) => b.wave - a.wave || (b.startedSeq ?? 0) - (a.startedSeq ?? 0));
  // `rollback all` runs each service's rollback hook once its units are rolled back, before
  // the services it comes after roll back theirs.
  const everyWave = draft.waves.length > 0 && draft.waves.every((wave) => wave.state === 'rolled_back');
  const hookHeld = new Set<string>();
  if (everyWave) {
    for (const hook of draft.hooks.filter((h) => h.name === 'rollback' && h.service !== null)) {
      const service = hook.service!;
      const own = scoped.some((unit) => unit.service === service && unfinished(unit));
      const later = [...dependentsOf(service, context)].some((other) => hookHeld.has(other));
      if (own || later || rollbackHookGate(draft, service, now, hooks) !== 'open') hookHeld.add(service);
    }
  }
  for (const unit of queued) {
    if (capacity <= 0) break;
    const dependents = dependentsOf(unit.service, context);
    if (scoped.some((other) => dependents.has(other.service) && unfinished(other))) continue;
    if ([...dependents].some((other) => hookHeld.has(other))) continue;
    const newer = scoped.some(
      (other) => other.service === unit.service && other.wave > unit.wave && unfinished(other),
    );
    if (newer) continue;
    if (fullRoles(unit.node, down, context).length > 0) continue;
    draft.setUnit(unit.id, { phase: 'rollback', attempts: unit.attempts + 1, startedAt: now });
    markDown(unit.node, down, context);
    capacity -= 1;
    dispatch.push({ unitId: unit.id, kind: 'rollback', resume: false, fromPhase: 'rollback' });
  }
  if (scoped.some(unfinished) || observations.inFlight.size > 0 || hookHeld.size > 0) return;
  const broken = scoped.filter((unit) => unit.state === 'rollback_failed');
  if (broken.length > 0) {
    draft.setUpgrade('failed', `rollback failed on ${broken.map((unit) => unit.node).join(', ')}`, {
      type: 'upgrade.failed',
      data: {},
    });
  } else {
    const count = scoped.filter((unit) => unit.state === 'rolled_back').length;
    draft.setUpgrade(
      'rolled_back',
      `rolled back ${count} unit(s) to ${draft.snapshot.upgrade.plan.from ?? 'the previous release'}`,
      { type: 'upgrade.rolled_back', data: {} },
    );
  }
}

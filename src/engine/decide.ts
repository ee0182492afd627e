// The rollout's decisions: a pure function of the stored state, what this process observed,
// and the time. The driver (driver.ts) performs what it returns and nothing else.
import { Draft } from './draft.js';
import { applyObservations, type Observations, resolveRecoveredFailures } from './observe.js';
import type { Change, UnitRecord, UpgradeSnapshot } from './ports.js';
import { resolveLimit } from './strategy.js';
import type { Phase } from './types.js';

export type { Observations, UnitOutcome } from './observe.js';

export interface DecideContext {
  /** node → its roles. */
  roles: Map<string, string[]>;
  /** role → nodes that may be unavailable at once. */
  unavailable: Map<string, number>;
  /** service → services it comes after. */
  after: Map<string, string[]>;
  /** host of each node, for fingerprints. */
  hosts: Map<string, string>;
}

export interface Dispatch {
  unitId: number;
  kind: 'upgrade' | 'rollback';
  /** Re-run after an interruption: probe `version` first, never upgrade twice. */
  resume: boolean;
  /** Start from this phase (a retry re-runs from the failed phase). */
  fromPhase: Phase | null;
}

export interface Decision {
  change: Change | null;
  dispatch: Dispatch[];
  /** When to decide again even if nothing happens (a soak ending). */
  wakeAt: Date | null;
}

const MAX_ATTEMPTS = 3;

export function decide(
  snapshot: UpgradeSnapshot,
  observations: Observations,
  context: DecideContext,
  now: Date,
): Decision {
  const draft = new Draft(snapshot);
  applyObservations(draft, observations, context, now);
  resolveRecoveredFailures(draft);
  const dispatch: Dispatch[] = [];
  let wakeAt: Date | null = null;

  if (draft.state === 'planned') {
    draft.setUpgrade('running', `started by ${snapshot.upgrade.startedBy}`, {
      type: 'upgrade.started',
      data: {},
    });
  }
  if (['running', 'paused', 'rolling_back'].includes(draft.state))
    dispatch.push(...orphans(draft, observations, now));
  if (draft.state === 'paused') retries(draft, context, now, dispatch);
  if (draft.state === 'running') wakeAt = advance(draft, observations, context, now, dispatch);
  if (draft.state === 'rolling_back') rollBack(draft, observations, context, now, dispatch);

  return { change: draft.isEmpty() ? null : draft.toChange(), dispatch, wakeAt };
}

/**
 * While paused, only retried units run (pending units that ran before). Once nothing holds a
 * fail-fast pause any more, the upgrade goes on as after `resume`.
 */
function retries(draft: Draft, context: DecideContext, now: Date, dispatch: Dispatch[]): void {
  const wave = draft.waves[draft.currentWave];
  if (!wave) return;
  const units = draft.unitsOfWave(wave.index);
  const retried = units.filter((unit) => unit.state === 'pending' && unit.attempts > 0);
  dispatch.push(
    ...dispatchable(draft, retried, context, draft.snapshot.upgrade.plan.strategy.concurrency, now),
  );
  const busy = units.some(
    (unit) => (unit.state === 'pending' && unit.attempts > 0) || unit.state === 'running',
  );
  if (busy || draft.snapshot.upgrade.pausedBy !== 'failures') return;
  const failed = units.filter((unit) => unit.state === 'failed').length;
  if (failed > resolveLimit(draft.snapshot.upgrade.plan.strategy.maxFailures, units.length)) return;
  draft.setUpgrade(
    'running',
    `wave ${wave.index + 1}: the retried or skipped nodes no longer hold it; going on`,
    { type: 'upgrade.resumed', data: {} },
  );
}

/** Units stored as running that no one here runs: a previous process died mid-run. */
function orphans(draft: Draft, observations: Observations, now: Date): Dispatch[] {
  const found: Dispatch[] = [];
  for (const unit of draft.units.values()) {
    const upgrading = unit.state === 'running';
    const rollingBack = unit.state === 'rolling_back' && unit.phase === 'rollback';
    if ((!upgrading && !rollingBack) || observations.inFlight.has(unit.id)) continue;
    if (unit.attempts >= MAX_ATTEMPTS) {
      draft.setUnit(unit.id, {
        state: upgrading ? 'failed' : 'rollback_failed',
        outputTail: `${unit.outputTail}\n(interrupted ${unit.attempts} times; giving up)`.trim(),
        finishedAt: now,
      });
      continue;
    }
    draft.setUnit(unit.id, { attempts: unit.attempts + 1 });
    found.push({ unitId: unit.id, kind: upgrading ? 'upgrade' : 'rollback', resume: true, fromPhase: null });
  }
  return found;
}

function advance(
  draft: Draft,
  _observations: Observations,
  context: DecideContext,
  now: Date,
  dispatch: Dispatch[],
): Date | null {
  const plan = draft.snapshot.upgrade.plan;
  for (let guard = 0; guard <= draft.waves.length; guard += 1) {
    const wave = draft.waves[draft.currentWave];
    if (!wave) {
      draft.setUpgrade(
        'completed',
        draft.waves.length === 0
          ? 'nothing to upgrade: every node is at the target'
          : `all ${draft.waves.length} waves done`,
        {
          type: 'upgrade.completed',
          data: {},
        },
      );
      return null;
    }
    if (wave.state === 'pending') {
      draft.setWave(wave.index, 'running', { startedAt: now, reason: '' });
      draft.emit({ type: 'wave.started', data: { wave: wave.index, service: wave.service } });
    }
    if (wave.state === 'soaking') {
      const until = new Date((wave.finishedAt ?? now).getTime() + plan.strategy.soakMs);
      if (now < until) return until;
      draft.setWave(wave.index, 'done', {});
      draft.setCurrentWave(wave.index + 1);
      continue;
    }
    if (wave.state !== 'running') return null;

    const units = draft.unitsOfWave(wave.index);
    const failed = units.filter((unit) => unit.state === 'failed');
    const limit = resolveLimit(plan.strategy.maxFailures, units.length);
    if (failed.length > limit) {
      const list = failed.map(
        (unit) =>
          `${unit.node} failed ${unit.phase ?? 'upgrade'}${unit.exitCode === null ? '' : ` (exit ${unit.exitCode})`}`,
      );
      draft.setUpgrade(
        'paused',
        `wave ${wave.index + 1}: ${failed.length} of ${units.length} failed (maxFailures ${plan.strategy.maxFailures}): ${list.join(', ')}`,
        {
          type: 'upgrade.paused',
          data: { wave: wave.index, failFast: true },
        },
        'failures',
      );
      return null;
    }
    dispatch.push(...dispatchable(draft, units, context, plan.strategy.concurrency, now));
    const busy = units.some((unit) => unit.state === 'pending' || unit.state === 'running');
    if (busy) return null;

    const last = wave.index === draft.waves.length - 1;
    const summary = `wave ${wave.index + 1} of ${draft.waves.length} (${wave.service}) done`;
    draft.emit({
      type: 'wave.finished',
      data: { wave: wave.index, service: wave.service, failed: failed.length },
    });
    if (last) {
      draft.setWave(wave.index, 'done', { finishedAt: now });
      draft.setCurrentWave(wave.index + 1);
      continue;
    }
    if (plan.strategy.auto) {
      draft.setWave(wave.index, 'soaking', {
        finishedAt: now,
        reason: `soaking ${plan.strategy.soakMs / 1000}s`,
      });
      continue;
    }
    draft.setWave(wave.index, 'gated', { finishedAt: now, reason: 'waiting for step' });
    draft.setUpgrade('running', `${summary}; waiting for \`step\` to start wave ${wave.index + 2}`, {
      type: 'upgrade.gated',
      data: { wave: wave.index },
    });
    return null;
  }
  return null;
}

/** Pending units of a wave that may start now: dependencies met, concurrency and availability allowing. */
function dispatchable(
  draft: Draft,
  units: UnitRecord[],
  context: DecideContext,
  concurrency: number,
  now: Date,
): Dispatch[] {
  const all = [...draft.units.values()];
  const active = (unit: UnitRecord) =>
    unit.state === 'running' || (unit.state === 'rolling_back' && unit.phase === 'rollback');
  let capacity = concurrency - all.filter(active).length;
  const down = unavailableByRole(all, context);
  let nextSeq = Math.max(0, ...all.map((unit) => unit.startedSeq ?? 0)) + 1;
  const found: Dispatch[] = [];
  for (const unit of units) {
    if (capacity <= 0) break;
    if (unit.state !== 'pending') continue;
    const blockedBy = context.after.get(unit.service) ?? [];
    if (
      units.some(
        (other) =>
          blockedBy.includes(other.service) && !['done', 'at_target', 'skipped'].includes(other.state),
      )
    )
      continue;
    if (!fits(unit.node, down, context)) continue;
    draft.setUnit(unit.id, {
      state: 'running',
      startedAt: now,
      startedSeq: nextSeq,
      attempts: unit.attempts + 1,
    });
    nextSeq += 1;
    markDown(unit.node, down, context);
    capacity -= 1;
    found.push({ unitId: unit.id, kind: 'upgrade', resume: false, fromPhase: unit.phase });
  }
  return found;
}

function unavailableByRole(units: UnitRecord[], context: DecideContext): Map<string, Set<string>> {
  const down = new Map<string, Set<string>>();
  for (const unit of units) {
    if (['running', 'failed', 'rolling_back', 'rollback_failed'].includes(unit.state))
      markDown(unit.node, down, context);
  }
  return down;
}

function markDown(node: string, down: Map<string, Set<string>>, context: DecideContext): void {
  for (const role of context.roles.get(node) ?? []) {
    const set = down.get(role) ?? new Set<string>();
    set.add(node);
    down.set(role, set);
  }
}

function fits(node: string, down: Map<string, Set<string>>, context: DecideContext): boolean {
  return (context.roles.get(node) ?? []).every((role) => {
    const set = down.get(role);
    if (set?.has(node)) return true;
    return (set?.size ?? 0) < (context.unavailable.get(role) ?? Number.POSITIVE_INFINITY);
  });
}

const STARTED_UPGRADE: ReadonlyArray<Phase | null> = ['upgrade', 'health', 'undrain'];

function rollBack(
  draft: Draft,
  observations: Observations,
  context: DecideContext,
  now: Date,
  dispatch: Dispatch[],
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
  let capacity =
    draft.snapshot.upgrade.plan.strategy.concurrency -
    all.filter((u) => u.state === 'running' || (u.state === 'rolling_back' && u.phase === 'rollback')).length;
  const down = unavailableByRole(
    all.filter((unit) => !(unit.state === 'rolling_back' && unit.phase === null)),
    context,
  );
  const queued = scoped
    .filter((unit) => unit.state === 'rolling_back' && unit.phase === null)
    .sort((a, b) => (b.startedSeq ?? 0) - (a.startedSeq ?? 0));
  for (const unit of queued) {
    if (capacity <= 0) break;
    if (!fits(unit.node, down, context)) continue;
    draft.setUnit(unit.id, { phase: 'rollback', attempts: unit.attempts + 1, startedAt: now });
    markDown(unit.node, down, context);
    capacity -= 1;
    dispatch.push({ unitId: unit.id, kind: 'rollback', resume: false, fromPhase: 'rollback' });
  }
  const unfinished = scoped.some((unit) => unit.state === 'running' || unit.state === 'rolling_back');
  if (unfinished || observations.inFlight.size > 0) return;
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
      {
        type: 'upgrade.rolled_back',
        data: {},
      },
    );
  }
}

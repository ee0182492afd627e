// The rollout's decisions: a pure function of the stored state, what this process observed,
// and the time. The driver (driver.ts) performs what it returns and nothing else.
import type { DecideContext } from './context.js';
import { type Dispatch, dependencies, dispatchable, stuckReason } from './dispatch.js';
import { Draft } from './draft.js';
import {
  applyHookResults,
  failedHook,
  holdOnFailedHook,
  orphanHooks,
  postHooksGate,
  preHookGate,
} from './hook-steps.js';
import { giveUp } from './interrupted.js';
import { applyObservations, type Observations, resolveRecoveredFailures } from './observe.js';
import type { Change, UnitRecord, UpgradeSnapshot } from './ports.js';
import { rollBack } from './rollback.js';
import { resolveLimit } from './strategy.js';

export type { DecideContext } from './context.js';
export type { Dispatch } from './dispatch.js';
export type { Observations, UnitOutcome } from './observe.js';

export interface Decision {
  change: Change | null;
  dispatch: Dispatch[];
  /** Hook runs to start (ids). */
  hooks: number[];
  /** When to decide again even if nothing happens (a soak ending). */
  wakeAt: Date | null;
}

/** Interruptions (a dropped connection, a driver that stopped) a unit survives before it fails. */
export const MAX_ATTEMPTS = 3;

export function decide(
  snapshot: UpgradeSnapshot,
  observations: Observations,
  context: DecideContext,
  now: Date,
): Decision {
  const draft = observed(snapshot, observations, context, now);
  const dispatch: Dispatch[] = [];
  const hooks: number[] = [];
  let wakeAt: Date | null = null;

  if (draft.state === 'planned') {
    draft.setUpgrade('running', `started by ${snapshot.upgrade.startedBy}`, {
      type: 'upgrade.started',
      data: {},
    });
  }
  if (['running', 'paused', 'rolling_back'].includes(draft.state)) {
    dispatch.push(...orphans(draft, observations, context, now));
    orphanHooks(draft, observations.hooksInFlight ?? new Set(), now, hooks);
  }
  const hookFailed = failedHook(draft);
  if (hookFailed) holdOnFailedHook(draft, hookFailed);
  if (draft.state === 'running' || draft.state === 'paused')
    dispatch.push(...dispatchable(draft, retried(draft), context, now));
  if (draft.state === 'paused') maybeGoOn(draft, context);
  if (draft.state === 'running')
    wakeAt = advance(draft, context, now, dispatch, hooks, observations.busyNodes ?? new Set());
  if (draft.state === 'rolling_back') rollBack(draft, observations, context, now, dispatch, hooks);

  return { change: draft.isEmpty() ? null : draft.toChange(), dispatch, hooks, wakeAt };
}

/**
 * A draining driver's decision (its process shutting down): what it observed is recorded and
 * nothing starts — no unit is marked running that no one will run (the next holder would take
 * it for one still running elsewhere and wait out its timeouts), no wave moves on.
 */
export function recordOnly(
  snapshot: UpgradeSnapshot,
  observations: Observations,
  context: DecideContext,
  now: Date,
): Decision {
  const draft = observed(snapshot, observations, context, now);
  return { change: draft.isEmpty() ? null : draft.toChange(), dispatch: [], hooks: [], wakeAt: null };
}

/** The snapshot with what this process observed applied: unit and hook outcomes, recoveries. */
function observed(
  snapshot: UpgradeSnapshot,
  observations: Observations,
  context: DecideContext,
  now: Date,
): Draft {
  const draft = new Draft(snapshot);
  applyObservations(draft, observations, context, now);
  applyHookResults(draft, observations.hookResults ?? []);
  resolveRecoveredFailures(draft);
  return draft;
}

/** Units an operator retried (pending units that ran before), in any wave. */
const retried = (draft: Draft): UnitRecord[] =>
  [...draft.units.values()]
    .filter((unit) => unit.state === 'pending' && unit.attempts > 0)
    .sort((a, b) => a.wave - b.wave || a.seq - b.seq);

/** Why the current wave stops the upgrade: failures beyond maxFailures, or undefined. */
export function failFastReason(draft: Draft): string | undefined {
  const wave = draft.waves[draft.currentWave];
  if (!wave) return undefined;
  const units = draft.unitsOfWave(wave.index);
  const failed = units.filter((unit) => unit.state === 'failed');
  const maxFailures = draft.snapshot.upgrade.plan.strategy.maxFailures;
  if (failed.length <= resolveLimit(maxFailures, units.length)) return undefined;
  const list = failed.map((unit) => {
    const what = unit.phase === null ? 'could not be reached' : `failed ${unit.phase}`;
    return `${unit.node} ${what}${unit.exitCode === null ? '' : ` (exit ${unit.exitCode})`}`;
  });
  return `wave ${wave.index + 1}: ${failed.length} of ${units.length} failed (maxFailures ${maxFailures}): ${list.join(', ')}`;
}

/**
 * A pause that failures caused ends by itself once retries or skips cleared them: nothing
 * retried still runs, the wave is within maxFailures, and some unit can start again.
 */
function maybeGoOn(draft: Draft, context: DecideContext): void {
  if (draft.snapshot.upgrade.pausedBy !== 'failures') return;
  const busy = [...draft.units.values()].some(
    (unit) => unit.state === 'running' || (unit.state === 'pending' && unit.attempts > 0),
  );
  if (busy || failFastReason(draft) !== undefined) return;
  const wave = draft.waves[draft.currentWave];
  if (wave && stuckReason(draft, draft.unitsOfWave(wave.index), context) !== undefined) return;
  draft.setUpgrade(
    'running',
    `${wave ? `wave ${wave.index + 1}: ` : ''}the retried or skipped nodes no longer hold it; going on`,
    { type: 'upgrade.resumed', data: {} },
  );
}

/** Units stored as running that no one here runs: a previous process died, or the connection dropped. */
/**
 * The units whose service's `pre` hook is done or skipped. A service's pre hook starts once one
 * of its units could start (its prerequisites done): right before its first unit.
 */
function afterPreHooks(
  draft: Draft,
  units: UnitRecord[],
  context: DecideContext,
  now: Date,
  hooks: number[],
): UnitRecord[] {
  const open = new Set<string>();
  const dependency = dependencies(draft, context);
  for (const service of new Set(units.map((unit) => unit.service))) {
    const ready = units.some(
      (unit) => unit.service === service && unit.state === 'pending' && dependency(unit) === 'ready',
    );
    const pre = draft.hooks.find((hook) => hook.name === 'pre' && hook.service === service);
    if (!pre || ['done', 'skipped'].includes(pre.state)) open.add(service);
    else if (ready && preHookGate(draft, service, now, hooks) === 'open') open.add(service);
  }
  return units.filter((unit) => open.has(unit.service));
}

function orphans(draft: Draft, observations: Observations, context: DecideContext, now: Date): Dispatch[] {
  const found: Dispatch[] = [];
  for (const unit of draft.units.values()) {
    const upgrading = unit.state === 'running';
    const rollingBack = unit.state === 'rolling_back' && unit.phase === 'rollback';
    if ((!upgrading && !rollingBack) || observations.inFlight.has(unit.id)) continue;
    if (unit.attempts >= MAX_ATTEMPTS) {
      giveUp(draft, unit, context, now);
      continue;
    }
    draft.setUnit(unit.id, { attempts: unit.attempts + 1 });
    found.push({ unitId: unit.id, kind: upgrading ? 'upgrade' : 'rollback', resume: true, fromPhase: null });
  }
  return found;
}

/** Ends the upgrade once every unit finished: `post` hooks first, and only when every unit is done. */
function finish(draft: Draft, now: Date, hooks: number[]): void {
  const units = [...draft.units.values()];
  const failed = units.filter((unit) => unit.state === 'failed' || unit.state === 'skipped');
  if (failed.length === 0) {
    if (postHooksGate(draft, now, hooks) !== 'open') return;
    draft.setUpgrade(
      'completed',
      draft.waves.length === 0
        ? 'nothing to upgrade: every node is at the target'
        : `all ${draft.waves.length} waves done`,
      { type: 'upgrade.completed', data: {} },
    );
    return;
  }
  const list = failed.map((unit) => `${unit.service} on ${unit.node} ${unit.state}`);
  const post = draft.hooks.some((hook) => hook.name === 'post')
    ? '; post hooks not run (they run only when every unit is done)'
    : '';
  draft.setUpgrade(
    'completed_with_failures',
    `every unit finished; ${failed.length} of ${units.length} did not upgrade: ${list.join(', ')}${post}`,
    { type: 'upgrade.completed', data: { failures: failed.length } },
  );
}

function advance(
  draft: Draft,
  context: DecideContext,
  now: Date,
  dispatch: Dispatch[],
  hooks: number[],
  busyNodes: ReadonlySet<string>,
): Date | null {
  const plan = draft.snapshot.upgrade.plan;
  for (let guard = 0; guard <= draft.waves.length; guard += 1) {
    const wave = draft.waves[draft.currentWave];
    if (!wave) {
      const units = [...draft.units.values()];
      if (units.some((u) => u.state === 'running')) return null;
      const pending = units.filter((u) => u.state === 'pending');
      if (pending.length === 0) {
        finish(draft, now, hooks);
        return null;
      }
      // Retried units after the last wave that cannot start (a failed node holds the
      // availability floor): pause with the reason, never run on with nothing to do.
      const stuck = stuckReason(draft, pending, context);
      if (stuck)
        draft.setUpgrade('paused', stuck, { type: 'upgrade.paused', data: { held: true } }, 'failures');
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
    const failFast = failFastReason(draft);
    if (failFast) {
      draft.setUpgrade(
        'paused',
        failFast,
        { type: 'upgrade.paused', data: { wave: wave.index, failFast: true } },
        'failures',
      );
      return null;
    }
    const free = units.filter((unit) => !busyNodes.has(unit.node));
    dispatch.push(...dispatchable(draft, afterPreHooks(draft, free, context, now, hooks), context, now));
    if (units.some((unit) => unit.state === 'running')) return null;
    if (draft.hooks.some((hook) => hook.state === 'running')) return null;
    const stuck = stuckReason(draft, units, context);
    if (stuck) {
      draft.setUpgrade(
        'paused',
        `wave ${wave.index + 1}: ${stuck}`,
        { type: 'upgrade.paused', data: { wave: wave.index, held: true } },
        'failures',
      );
      return null;
    }
    if (units.some((unit) => unit.state === 'pending')) return null;

    const failed = units.filter((unit) => unit.state === 'failed');
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

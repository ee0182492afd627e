// What a decision learns from this process: finished units and found culprits. Turned into
// unit states, versions, failures grouped by fingerprint, and the events chat renders.

import type { DecideContext } from './context.js';
import type { Draft } from './draft.js';
import { openFailure } from './failures.js';
import { DROPPED } from './interrupted.js';
import type { Culprit, FailureKind, Phase, PhaseResult } from './types.js';

export interface UnitOutcome {
  unitId: number;
  kind: 'upgrade' | 'rollback';
  /** done: every phase passed; at_target: `version` showed the target already; interrupted: re-probe. */
  outcome: 'done' | 'at_target' | 'failed' | 'interrupted';
  /** The failing (or interrupted) phase. */
  phase: Phase | null;
  result: PhaseResult | null;
  versionBefore: string | null;
  versionAfter: string | null;
  finishedAt: Date;
  /** For a failed outcome: what failed (default `phase`); the result's stderrTail then says why. */
  failureKind?: FailureKind;
}

/** A hook run that finished in this process. */
export interface HookOutcome {
  hookId: number;
  ok: boolean;
  /** null when the hook is not configured any more (it counts as done). */
  result: PhaseResult | null;
  finishedAt: Date;
}

export interface Observations {
  /** Units this process is running right now. */
  inFlight: ReadonlySet<number>;
  results: UnitOutcome[];
  culprits: Array<{ failureId: number; culprit: Culprit }>;
  /** Hook runs this process is running right now, and those that finished. */
  hooksInFlight?: ReadonlySet<number>;
  hookResults?: HookOutcome[];
  /** Nodes another upgrade of the environment still runs a unit on (a superseded deploy's). */
  busyNodes?: ReadonlySet<string>;
}

export const NO_OBSERVATIONS: Observations = { inFlight: new Set(), results: [], culprits: [] };

export function describeResult(phase: Phase | null, result: PhaseResult | null): string {
  if (!result) return `${phase ?? 'connect'} failed`;
  if (result.interrupted === 'timeout')
    return `${phase} timed out after ${Math.round(result.durationMs / 1000)}s`;
  if (result.interrupted === 'connection') return `${DROPPED} ${phase}`;
  if (result.signal) return `${phase} killed by ${result.signal}`;
  return `${phase} exited ${result.exitCode}`;
}

export function applyObservations(
  draft: Draft,
  observations: Observations,
  context: DecideContext,
  _now: Date,
): void {
  for (const outcome of observations.results) {
    const unit = draft.units.get(outcome.unitId);
    if (!unit) continue;
    const stillOurs =
      outcome.kind === 'upgrade'
        ? unit.state === 'running'
        : unit.state === 'rolling_back' && unit.phase === 'rollback';
    if (!stillOurs) continue;
    if (outcome.versionBefore !== null && unit.versionBefore === null)
      draft.setUnit(unit.id, { versionBefore: outcome.versionBefore });
    if (outcome.outcome === 'interrupted') {
      // Re-run next (orphans): the phase and the cause are kept for the failure that a third
      // interruption opens.
      if (outcome.kind === 'upgrade')
        draft.setUnit(unit.id, {
          phase: outcome.phase,
          outputTail: describeResult(outcome.phase, outcome.result),
        });
      continue;
    }
    const output = outcome.result
      ? [outcome.result.stdoutTail, outcome.result.stderrTail].filter(Boolean).join('\n')
      : '';
    const ok = outcome.outcome === 'done' || outcome.outcome === 'at_target';
    if (outcome.kind === 'rollback') {
      draft.setUnit(unit.id, {
        state: ok ? 'rolled_back' : 'rollback_failed',
        finishedAt: outcome.finishedAt,
        exitCode: outcome.result?.exitCode ?? null,
        outputTail: output,
      });
      if (ok && draft.snapshot.upgrade.plan.from)
        draft.observeVersion(unit.node, unit.service, draft.snapshot.upgrade.plan.from);
    } else if (ok) {
      draft.setUnit(unit.id, {
        state: outcome.outcome,
        phase: null,
        exitCode: 0,
        outputTail: output,
        finishedAt: outcome.finishedAt,
        versionAfter: outcome.versionAfter,
      });
      if (outcome.versionAfter) draft.observeVersion(unit.node, unit.service, outcome.versionAfter);
    } else {
      const kind = outcome.failureKind ?? 'phase';
      draft.setUnit(unit.id, {
        state: 'failed',
        // Nothing ran on an unreachable node: a retry starts where this dispatch would have.
        phase: kind === 'infrastructure' ? unit.phase : outcome.phase,
        exitCode: outcome.result?.exitCode ?? null,
        outputTail: kind === 'phase' ? output : `${outcome.result?.stderrTail ?? ''}`,
        finishedAt: outcome.finishedAt,
      });
    }
    draft.emit({
      type: 'unit.finished',
      data: {
        unitId: unit.id,
        node: unit.node,
        service: unit.service,
        state: unit.state,
        kind: outcome.kind,
      },
    });
    if (ok) continue;
    const kind = outcome.failureKind ?? 'phase';
    const phase = outcome.phase ?? (outcome.kind === 'rollback' ? 'rollback' : 'drain');
    openFailure(draft, context, unit, {
      kind,
      phase,
      exitCode: outcome.result?.exitCode ?? null,
      text: kind === 'phase' ? describeResult(phase, outcome.result) : (outcome.result?.stderrTail ?? ''),
      output: kind === 'phase' ? output : '',
    });
  }
  for (const { failureId, culprit } of observations.culprits) {
    if (!draft.failures.some((failure) => failure.id === failureId)) continue;
    draft.patchFailure(failureId, { culprit });
    draft.emit({ type: 'failure.attributed', data: { failureId, how: culprit.how, sha: culprit.sha } });
  }
}

/** A failure whose every node has since succeeded (retry), been skipped or rolled back is resolved. */
export function resolveRecoveredFailures(draft: Draft): void {
  for (const failure of draft.failures) {
    // A hook's failure is resolved by its hook (retried and passed, or skipped): hook-steps.ts.
    if (failure.state === 'resolved' || failure.kind === 'hook') continue;
    const recovered = failure.nodes.every((node) =>
      [...draft.units.values()].some(
        (unit) =>
          unit.node === node &&
          unit.service === failure.service &&
          ['done', 'skipped', 'at_target', 'rolled_back'].includes(unit.state),
      ),
    );
    if (!recovered) continue;
    draft.patchFailure(failure.id, { state: 'resolved' });
    draft.emit({ type: 'failure.resolved', data: { failureId: failure.id } });
  }
}

// Running one unit on its node: one connection, the phases in order, each outcome recorded.
// Version tolerant: `version` first; a node already at the target is skipped, and a unit
// resumed after a crash never runs `upgrade` again once its node reports the target.
import type { Dispatch } from './decide.js';
import type { UnitOutcome } from './observe.js';
import type { Command, NodeRunner, NodeSession, Store, UnitRecord } from './ports.js';
import type { NodeRef, Phase, PhaseResult, Plan } from './types.js';

export const UPGRADE_PHASES: readonly Phase[] = ['drain', 'upgrade', 'health', 'undrain'];

export interface UnitJob {
  unit: UnitRecord;
  node: NodeRef;
  plan: Plan;
  dispatch: Dispatch;
}

export interface UnitDeps {
  runner: NodeRunner;
  store: Store;
  /** The rendered command of a phase for this unit, or undefined when the phase is not configured. */
  command: (phase: Phase, unit: UnitRecord, node: NodeRef, plan: Plan) => Command | undefined;
  now: () => Date;
  /** Whether a `version` output means the unit already runs the plan's target. */
  atTarget: (version: string) => boolean;
}

export async function runUnit(job: UnitJob, deps: UnitDeps): Promise<UnitOutcome> {
  const outcome = (
    partial: Pick<UnitOutcome, 'outcome' | 'phase' | 'result'> & Partial<UnitOutcome>,
  ): UnitOutcome => ({
    unitId: job.unit.id,
    kind: job.dispatch.kind,
    versionBefore: null,
    versionAfter: null,
    finishedAt: deps.now(),
    ...partial,
  });
  // Phase records are written while the next phase runs (a busy database must not stall the
  // node), and are all stored before the outcome is returned.
  const records: Array<Promise<void>> = [];
  const runPhase = async (session: NodeSession, phase: Phase): Promise<PhaseResult | undefined> => {
    const command = deps.command(phase, job.unit, job.node, job.plan);
    if (!command) return undefined;
    const result = await session.run(command);
    const record = deps.store.recordPhase(job.unit.id, phase, result);
    // Awaited with the others below; until then a failure (the database gone) must not count
    // as an unhandled rejection.
    record.catch(() => undefined);
    records.push(record);
    return result;
  };
  let session: NodeSession;
  try {
    session = await deps.runner.open(job.node);
  } catch (error) {
    const result = errorResult(error);
    return outcome({
      outcome: 'failed',
      phase: job.dispatch.kind === 'rollback' ? 'rollback' : (job.dispatch.fromPhase ?? 'drain'),
      result,
    });
  }
  try {
    if (job.dispatch.kind === 'rollback') {
      const result = await runPhase(session, 'rollback');
      if (!result) return outcome({ outcome: 'done', phase: null, result: null });
      if (result.interrupted === 'connection')
        return outcome({ outcome: 'interrupted', phase: 'rollback', result });
      return outcome({ outcome: result.exitCode === 0 ? 'done' : 'failed', phase: 'rollback', result });
    }
    let start = job.dispatch.fromPhase ?? 'drain';
    let versionBefore: string | null = null;
    if (job.dispatch.fromPhase === null || job.dispatch.resume) {
      const probe = await runPhase(session, 'version');
      if (probe && probe.interrupted === 'connection')
        return outcome({ outcome: 'interrupted', phase: 'version', result: probe });
      if (probe && probe.exitCode !== 0)
        return outcome({ outcome: 'failed', phase: 'version', result: probe });
      versionBefore = probe ? probe.stdoutTail.trim() : null;
      if (versionBefore !== null && deps.atTarget(versionBefore)) {
        if (!job.dispatch.resume)
          return outcome({
            outcome: 'at_target',
            phase: null,
            result: probe ?? null,
            versionBefore,
            versionAfter: versionBefore,
          });
        start = 'health';
      } else if (job.dispatch.resume) {
        start = 'drain';
      }
    }
    for (const phase of UPGRADE_PHASES.slice(UPGRADE_PHASES.indexOf(start))) {
      const result = await runPhase(session, phase);
      if (!result) continue;
      if (result.interrupted === 'connection')
        return outcome({ outcome: 'interrupted', phase, result, versionBefore });
      if (result.exitCode !== 0 || result.interrupted)
        return outcome({ outcome: 'failed', phase, result, versionBefore });
    }
    return outcome({
      outcome: 'done',
      phase: null,
      result: null,
      versionBefore,
      // A pinned deploy is known by its commit: the release's name would not tell it from the next one.
      versionAfter: job.plan.pinned && job.plan.commit ? job.plan.commit : job.plan.release,
    });
  } finally {
    await session.close().catch(() => undefined);
    await Promise.all(records);
  }
}

/** A phase that never ran: the error stands in for its output. */
export function errorResult(error: unknown): PhaseResult {
  return {
    exitCode: null,
    signal: null,
    stdoutTail: '',
    stderrTail: error instanceof Error ? error.message : String(error),
    durationMs: 0,
    interrupted: null,
  };
}

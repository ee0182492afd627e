// Running one unit on its node: one connection, the phases in order, each outcome recorded.
// Version tolerant: `version` first; a node already at the target runs `health` once, one
// running another release is not touched (skew), and a unit resumed after a crash never runs
// `upgrade` again once its node reports the target. Unreachable nodes fail as infrastructure.
import type { Dispatch } from './dispatch.js';
import { type HealthPolicy, type HealthTry, waitForHealth } from './health.js';
import { describeResult, type UnitOutcome } from './observe.js';
import type {
  BatchResult,
  Command,
  NewEvent,
  NodeRunner,
  NodeSession,
  PhaseCommand,
  Store,
  UnitRecord,
  VersionGate,
} from './ports.js';
import { unreachable } from './reach.js';
import type { VersionClass } from './skew.js';
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
  store: Pick<Store, 'recordPhase'>;
  /** The rendered command of a phase for this unit, or undefined when the phase is not configured. */
  command: (phase: Phase, unit: UnitRecord, node: NodeRef, plan: Plan) => Command | undefined;
  now: () => Date;
  /** What a `version` output means for this plan: at the target, upgradable, or skew. */
  classify: (version: string) => Promise<VersionClass>;
  /**
   * The version gate for this unit's script: given (and the session able to run a batch), a
   * fresh or resumed unit goes to its node as one script (version → drain → upgrade → health
   * → undrain) instead of one exec per phase.
   */
  gate?: (() => Promise<VersionGate>) | undefined;
  /** Stores an event for chat while the unit runs (a health run when there are several). */
  announce?: (event: NewEvent) => Promise<void>;
  /** `health`'s retries and interval for a service (absent: one run). */
  health?: (service: string) => HealthPolicy;
  /** Waits between two runs of `health` (the engine's clock). */
  sleep?: (ms: number) => Promise<void>;
  /** False once this process cannot prove it holds the upgrade's lease: no further phase starts. */
  mayDispatch?: () => boolean;
}

/** Thrown when the lease was lost between two phases: the unit is left for the lease's holder. */
export class LeaseLostError extends Error {
  constructor() {
    super('the lease of this upgrade is no longer proven: phase not started');
  }
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
  const record = (phase: Phase, result: PhaseResult): void => {
    const stored = deps.store.recordPhase(job.unit.id, phase, result);
    // Awaited with the others at the end; until then a failure (the database gone) must not
    // count as an unhandled rejection.
    stored.catch(() => undefined);
    records.push(stored);
  };
  const runPhase = async (session: NodeSession, phase: Phase): Promise<PhaseResult | undefined> => {
    const command = deps.command(phase, job.unit, job.node, job.plan);
    if (!command) return undefined;
    const policy = phase === 'health' ? deps.health?.(job.unit.service) : undefined;
    if (!policy || policy.retries === 0) return runOnce(session, phase, command);
    const { result } = await waitForHealth(
      () => runOnce(session, phase, command),
      policy,
      deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      (attempt) => tellHealthTry(job, deps, attempt, policy),
    );
    return result;
  };
  const runOnce = async (session: NodeSession, phase: Phase, command: Command): Promise<PhaseResult> => {
    if (deps.mayDispatch && !deps.mayDispatch()) throw new LeaseLostError();
    let result: PhaseResult;
    try {
      result = await session.run(command);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      // The session broke under the command (a channel that would not open, a closed client).
      result = { ...errorResult(error), interrupted: 'connection' };
    }
    record(phase, result);
    return result;
  };
  const done = (versionBefore: string | null) =>
    outcome({
      outcome: 'done',
      phase: null,
      result: null,
      versionBefore,
      // A pinned deploy is known by its commit: the release's name would not tell it from the next one.
      versionAfter: job.plan.pinned && job.plan.commit ? job.plan.commit : job.plan.release,
    });
  /** The unit as one script, when the runner and the engine both can; undefined otherwise. */
  const runBatch = async (session: NodeSession): Promise<BatchResult | undefined> => {
    if (!session.runBatch || !deps.gate) return undefined;
    const command = (phase: Phase): PhaseCommand | undefined => {
      const found = deps.command(phase, job.unit, job.node, job.plan);
      return found && { ...found, phase };
    };
    const version = command('version');
    // Health with retries is decided between its runs: the script stops before it.
    const retried = (deps.health?.(job.unit.service).retries ?? 0) > 0;
    const cut = retried ? UPGRADE_PHASES.indexOf('health') : -1;
    const phases = UPGRADE_PHASES.slice(0, cut < 0 ? undefined : cut)
      .map(command)
      .filter((c): c is PhaseCommand => c !== undefined);
    const gate = version ? await deps.gate() : undefined;
    if (deps.mayDispatch && !deps.mayDispatch()) throw new LeaseLostError();
    try {
      return await session.runBatch({ version, gate, phases }, ({ phase, result }) => record(phase, result));
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      const result = { ...errorResult(error), interrupted: 'connection' as const };
      const phase = version ? 'version' : (phases[0]?.phase ?? 'drain');
      record(phase, result);
      return { steps: [{ phase, result }], stopped: false };
    }
  };
  let session: NodeSession;
  try {
    session = await deps.runner.open(job.node);
  } catch (error) {
    const rollback = job.dispatch.kind === 'rollback';
    return outcome({
      outcome: 'failed',
      phase: rollback ? 'rollback' : (job.dispatch.fromPhase ?? 'drain'),
      result: errorResult(new Error(unreachable(job.node, error))),
      failureKind: 'infrastructure',
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
      const batch = await runBatch(session);
      const probe = batch
        ? batch.steps.find((step) => step.phase === 'version')?.result
        : await runPhase(session, 'version');
      if (probe && probe.interrupted === 'connection')
        return outcome({ outcome: 'interrupted', phase: 'version', result: probe });
      if (probe && probe.exitCode !== 0)
        return outcome({ outcome: 'failed', phase: 'version', result: probe });
      versionBefore = probe ? probe.stdoutTail.trim() : null;
      if (batch && !batch.stopped) {
        // The gate let it through (an upgradable version): the script ran the phases on.
        for (const { phase, result } of batch.steps) {
          if (phase === 'version') continue;
          if (result.interrupted === 'connection')
            return outcome({ outcome: 'interrupted', phase, result, versionBefore });
          if (result.exitCode !== 0 || result.interrupted)
            return outcome({ outcome: 'failed', phase, result, versionBefore });
        }
        const last = batch.steps[batch.steps.length - 1]?.phase;
        if (last === undefined || last === 'version') start = 'drain';
        else if (last === 'undrain') return done(versionBefore);
        else start = UPGRADE_PHASES[UPGRADE_PHASES.indexOf(last) + 1]!;
      }
      if (!batch || batch.stopped) {
        const found = versionBefore === null ? { at: 'from' as const } : await deps.classify(versionBefore);
        if (found.at === 'skew') {
          return outcome({
            outcome: 'failed',
            phase: 'version',
            result: errorResult(new Error(found.why)),
            versionBefore,
            failureKind: 'skew',
          });
        }
        if (found.at === 'target') {
          // Already there: it still proves itself healthy once; after a drain it is undrained too.
          const rest: Phase[] = job.dispatch.resume ? ['health', 'undrain'] : ['health'];
          for (const phase of rest) {
            const result = await runPhase(session, phase);
            if (!result) continue;
            if (result.interrupted === 'connection')
              return outcome({ outcome: 'interrupted', phase, result, versionBefore });
            if (result.exitCode !== 0 || result.interrupted)
              return outcome({ outcome: 'failed', phase, result, versionBefore });
          }
          return outcome({
            outcome: job.dispatch.resume ? 'done' : 'at_target',
            phase: null,
            result: null,
            versionBefore,
            versionAfter: versionBefore,
          });
        }
        if (job.dispatch.resume) start = 'drain';
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
    return done(versionBefore);
  } finally {
    await session.close().catch(() => undefined);
    await Promise.all(records);
  }
}

/** A thread line for a health run when health takes more than one: `health 3/6 …`. */
async function tellHealthTry(job: UnitJob, deps: UnitDeps, attempt: HealthTry, policy: HealthPolicy) {
  const { result } = attempt;
  const outcome = result.interrupted ? describeResult('health', result) : `exit ${result.exitCode}`;
  // A lost thread line must not fail the unit: the health run itself is recorded as a phase.
  await deps
    .announce?.({
      type: 'health.retry',
      data: {
        unitId: job.unit.id,
        node: job.unit.node,
        service: job.unit.service,
        attempt: attempt.attempt,
        of: attempt.of,
        passed: attempt.passed,
        outcome,
        intervalMs: policy.intervalMs,
      },
    })
    .catch(() => undefined);
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

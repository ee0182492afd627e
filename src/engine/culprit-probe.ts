// Probing a real node during bisection. One probe = deploy a commit with the `upgrade`
// template (`{{commit}}` = that sha) and run the failing phase; the verdict follows
// `git bisect run`: exit 0 good, 125 (or a dropped connection, or a deploy that did not
// finish) skip, anything else bad. Restoring the node afterwards is not a probe.
import type { ProbeRun, ProbeVerdict } from './culprit.js';
import type { Command, NodeSession } from './ports.js';
import type { PhaseResult } from './types.js';

/** `git bisect run`'s "cannot test this commit". */
export const SKIP_EXIT_CODE = 125;

export interface ProbeDeps {
  session: NodeSession;
  /** The `upgrade` phase rendered for a commit. */
  upgradeCommand: (sha: string) => Command;
  /** The failing phase rendered for a commit (undefined: the config has no such phase). */
  phaseCommand: (sha: string) => Command | undefined;
  /** The fingerprint a failed run would have as a failure (to tell the original failure from another). */
  fingerprintOf?: (result: PhaseResult) => string;
}

export interface NodeProbe {
  /** Deploys `sha` and runs the failing phase: one probe. */
  probe(sha: string): Promise<ProbeRun>;
  /** Runs the failing phase again on what is deployed now, to confirm a pass (no deploy). */
  recheck(sha: string): Promise<ProbeRun>;
}

export function verdictOf(result: PhaseResult): ProbeVerdict {
  if (result.interrupted === 'connection' || result.exitCode === SKIP_EXIT_CODE) return 'skip';
  return result.exitCode === 0 && result.interrupted === null ? 'good' : 'bad';
}

export function makeProbe(deps: ProbeDeps): NodeProbe {
  const failing = (sha: string) => deps.phaseCommand(sha);
  const runOf = (result: PhaseResult): ProbeRun => {
    const verdict = verdictOf(result);
    return { verdict, fingerprint: verdict === 'bad' ? (deps.fingerprintOf?.(result) ?? null) : null };
  };
  const skip: ProbeRun = { verdict: 'skip', fingerprint: null };
  const runPhase = async (sha: string): Promise<ProbeRun> => {
    const command = failing(sha);
    if (!command) return skip;
    return runOf(await deps.session.run(command));
  };
  return {
    async probe(sha) {
      const upgrade = deps.upgradeCommand(sha);
      const deployed = await deps.session.run(upgrade);
      // The failing phase is the deploy itself: its verdict is the probe's.
      if (failing(sha)?.phase === 'upgrade') return runOf(deployed);
      // A commit that does not deploy cannot be tested for a later phase.
      if (verdictOf(deployed) !== 'good') return skip;
      return runPhase(sha);
    },
    recheck: runPhase,
  };
}

/**
 * A session that survives a dropped connection: the command that saw the drop reports it
 * (its probe is a skip), and the next command opens a new connection first. A node that
 * cannot be reached again makes `run` throw (bisection then ends with its suspects).
 */
export function reconnecting(open: () => Promise<NodeSession>, first: NodeSession): NodeSession {
  let current: NodeSession | undefined = first;
  return {
    async run(command) {
      current ??= await open();
      const result = await current.run(command);
      if (result.interrupted === 'connection') {
        const lost = current;
        current = undefined;
        await lost.close();
      }
      return result;
    },
    async close() {
      await current?.close();
      current = undefined;
    },
  };
}

/**
 * Puts the node back on the commit it ran before bisection (the one the failed step
 * deployed). Returns a sentence when that did not work, for the culprit's note: a
 * restore failure is reported, never swallowed, and never hides the bisection's result.
 */
export async function restore(
  session: NodeSession,
  upgradeCommand: (sha: string) => Command,
  sha: string,
): Promise<string | undefined> {
  const short = sha.slice(0, 7);
  try {
    const result = await session.run(upgradeCommand(sha));
    if (result.exitCode === 0 && result.interrupted === null) return undefined;
    const why = result.interrupted ?? `exit ${result.exitCode ?? result.signal}`;
    return `restoring the node to ${short} failed (${why})`;
  } catch (error) {
    return `restoring the node to ${short} failed (${error instanceof Error ? error.message : String(error)})`;
  }
}

// Finding the offending commit: directly when the step deployed one commit, else by
// bisection with `git bisect run` semantics — verify that `from` passes, then halve the
// range (⌈log2 n⌉ probes), skipping probes that cannot decide. Pure but for the probe.
//
// Intermittent failures (config.releases.bisectRetries): a commit counts good only after
// `retries + 1` passing runs of the failing phase (re-runs, `recheck`, deploy nothing); one run
// failing with the original failure's fingerprint marks it bad at once; a run failing another
// way makes the commit untestable, like exit 125. A real bug that sometimes passes is thus not
// taken for a good commit. Re-runs are not probes: a probe is one deploy plus its failing phase.
import type { CommitInfo } from './ports.js';
import type { Culprit } from './types.js';

export type ProbeVerdict = 'good' | 'bad' | 'skip';

/** One run of the failing phase: its verdict, and for a failure the fingerprint it would have. */
export interface ProbeRun {
  verdict: ProbeVerdict;
  fingerprint: string | null;
}

const asRun = (run: ProbeVerdict | ProbeRun): ProbeRun =>
  typeof run === 'string' ? { verdict: run, fingerprint: null } : run;

export interface BisectInput {
  /** The release's commits, oldest first; the last one is what the failing step deployed. */
  commits: CommitInfo[];
  fromCommit: string;
  /** Paths of the failing service: commits touching them are the suspects. */
  paths: string[];
  /** Deploys a commit and runs the failing phase once. */
  probe: (sha: string) => Promise<ProbeVerdict | ProbeRun>;
  /** Re-runs the failing phase alone on what is deployed (to confirm a pass). */
  recheck: (sha: string) => Promise<ProbeVerdict | ProbeRun>;
  retries: number;
  /** The original failure's fingerprint: a failure with another one is untestable. */
  fingerprint?: string | undefined;
  progress: (text: string, stepsLeft: number, commitsLeft: number) => void;
}

export function suspectsOf(commits: CommitInfo[], paths: string[]): CommitInfo[] {
  if (paths.length === 0) return [];
  return commits
    .filter((commit) => commit.files.some((file) => paths.some((path) => file.startsWith(path))))
    .reverse();
}

export function culpritOf(commit: CommitInfo, how: Culprit['how'], probes: number, note: string): Culprit {
  return {
    how,
    sha: commit.sha,
    shortSha: commit.sha.slice(0, 7),
    subject: commit.subject,
    authorName: commit.authorName,
    authorEmail: commit.authorEmail,
    probes,
    suspects: [],
    note,
  };
}

export function undecided(commits: CommitInfo[], paths: string[], probes: number, note: string): Culprit {
  return suspected(suspectsOf(commits, paths), probes, note);
}

/** No single commit named: the candidates (newest first) are the suspects, if any. */
export function suspected(candidates: CommitInfo[], probes: number, note: string): Culprit {
  const suspects = candidates.map(({ sha, subject, authorName, authorEmail }) => ({
    sha,
    subject,
    authorName,
    authorEmail,
  }));
  return {
    how: suspects.length > 0 ? 'suspects' : 'unknown',
    sha: null,
    shortSha: null,
    subject: null,
    authorName: null,
    authorEmail: null,
    probes,
    suspects,
    note: suspects.length > 0 ? `${note}; ${suspects.length} suspect commit(s)` : note,
  };
}

const stepsFor = (size: number) => (size <= 1 ? 0 : Math.ceil(Math.log2(size)));

export async function bisect(input: BisectInput): Promise<Culprit> {
  const { commits } = input;
  if (commits.length === 0) return undecided(commits, input.paths, 0, 'the step deployed no new commit');
  if (commits.length === 1) return culpritOf(commits[0]!, 'commit', 0, 'the step deployed this one commit');
  let probes = 0;
  /** A verdict: good after `retries + 1` passes, bad on the original failure, else skip. */
  const decide = async (sha: string): Promise<ProbeVerdict> => {
    probes += 1;
    let run = asRun(await input.probe(sha));
    for (let passes = 0; ; ) {
      if (run.verdict === 'skip') return 'skip';
      if (run.verdict === 'bad') {
        const same = !input.fingerprint || !run.fingerprint || run.fingerprint === input.fingerprint;
        return same ? 'bad' : 'skip';
      }
      passes += 1;
      if (passes > input.retries) return 'good';
      run = asRun(await input.recheck(sha));
    }
  };

  input.progress(
    `bisecting: verifying that ${input.fromCommit.slice(0, 7)} (from) passes`,
    stepsFor(commits.length) + 1,
    commits.length,
  );
  try {
    return await halve(input, decide, () => probes);
  } catch (error) {
    // The node went away mid-bisection: what is known so far is the suspects.
    const why = error instanceof Error ? error.message : String(error);
    return undecided(commits, input.paths, probes, `bisection stopped: ${why}`);
  }
}

async function halve(
  input: BisectInput,
  decide: (sha: string) => Promise<ProbeVerdict>,
  probes: () => number,
): Promise<Culprit> {
  const { commits } = input;
  const start = await decide(input.fromCommit);
  if (start === 'bad') return undecided(commits, input.paths, probes(), 'cannot bisect: from already fails');
  if (start === 'skip')
    return undecided(commits, input.paths, probes(), 'cannot bisect: from could not be tested');

  // Invariant: commits[good] passes (-1 is `from`), commits[bad] fails.
  let good = -1;
  let bad = commits.length - 1;
  const skipped = new Set<number>();
  while (bad - good > 1) {
    const candidates = range(good + 1, bad).filter((i) => !skipped.has(i));
    if (candidates.length === 0) {
      // Like `git bisect`: "the first bad commit could be any of" these.
      const left = commits.slice(good + 1, bad + 1);
      const touching = suspectsOf(left, input.paths);
      return suspected(
        touching.length > 0 ? touching : [...left].reverse(),
        probes(),
        `bisection narrowed it to ${left.length} commits it could not test apart`,
      );
    }
    const middle = Math.floor((good + bad) / 2);
    const mid = candidates.reduce(
      (best, i) => (Math.abs(i - middle) < Math.abs(best - middle) ? i : best),
      candidates[0]!,
    );
    input.progress(
      `bisecting: ${stepsFor(bad - good)} steps left, ${bad - good} commits`,
      stepsFor(bad - good),
      bad - good,
    );
    const verdict = await decide(commits[mid]!.sha);
    if (verdict === 'good') good = mid;
    else if (verdict === 'bad') bad = mid;
    else skipped.add(mid);
  }
  return culpritOf(
    commits[bad]!,
    'bisected',
    probes(),
    `bisected in ${probes()} probe(s) over ${commits.length} commits`,
  );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

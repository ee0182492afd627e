import { describe, expect, it } from 'vitest';
import { bisect, type ProbeVerdict, suspectsOf } from '../../src/engine/culprit.js';
import type { CommitInfo } from '../../src/engine/ports.js';

const commits = (n: number, files: (i: number) => string[] = () => ['docs/x']): CommitInfo[] =>
  Array.from({ length: n }, (_, i) => ({
    sha: `${String(i + 1).padStart(2, '0')}${'0'.repeat(38)}`,
    parents: [],
    authorName: `dev${i + 1}`,
    authorEmail: `dev${i + 1}@example.com`,
    subject: `commit ${i + 1}`,
    files: files(i + 1),
  }));

/** A node whose verdict per commit is a table: commits from `firstBad` on fail. */
function node(list: CommitInfo[], firstBad: number, overrides: Record<number, ProbeVerdict[]> = {}) {
  const calls: string[] = [];
  const seen = new Map<number, number>();
  const verdict = (sha: string): ProbeVerdict => {
    const index = sha === 'from' ? 0 : list.findIndex((c) => c.sha === sha) + 1;
    const script = overrides[index];
    if (script) {
      const n = seen.get(index) ?? 0;
      seen.set(index, n + 1);
      return script[Math.min(n, script.length - 1)]!;
    }
    return index >= firstBad ? 'bad' : 'good';
  };
  return {
    calls,
    probe: async (sha: string) => {
      calls.push(`probe ${sha.slice(0, 2)}`);
      return verdict(sha);
    },
    recheck: async (sha: string) => {
      calls.push(`recheck ${sha.slice(0, 2)}`);
      return verdict(sha);
    },
  };
}

const noProgress = () => undefined;

describe('bisection', () => {
  it('names a single deployed commit directly, with no probe', async () => {
    const list = commits(1);
    const fake = node(list, 1);
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      ...fake,
      retries: 1,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'commit', sha: list[0]!.sha, probes: 0 });
    expect(fake.calls).toEqual([]);
  });

  it('finds commit 19 of 32 in at most 6 probes: from verified, then 5 halvings', async () => {
    const list = commits(32);
    const fake = node(list, 19);
    const progress: string[] = [];
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      ...fake,
      retries: 0,
      progress: (text) => progress.push(text),
    });
    expect(culprit).toMatchObject({
      how: 'bisected',
      sha: list[18]!.sha,
      shortSha: '1900000',
      authorEmail: 'dev19@example.com',
    });
    expect(culprit.probes).toBeLessThanOrEqual(6);
    expect(fake.calls[0]).toBe('probe fr');
    expect(progress[1]).toBe('bisecting: 5 steps left, 32 commits');
  });

  it('counts a commit good only after retries + 1 passes: an intermittent culprit is not missed', async () => {
    const list = commits(64);
    // Commit 23 breaks it, but its check passes now and then (fail, fail, pass, fail, pass, …).
    const pattern: ProbeVerdict[] = ['bad', 'bad', 'good', 'bad', 'good'];
    const runs = new Map<string, number>();
    const flaky = async (sha: string): Promise<ProbeVerdict> => {
      const index = sha === 'from' ? 0 : list.findIndex((c) => c.sha === sha) + 1;
      if (index < 23) return 'good';
      const n = runs.get(sha) ?? 0;
      runs.set(sha, n + 1);
      return pattern[(n + 2) % pattern.length]!;
    };
    let probes = 0;
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      probe: async (sha) => {
        probes += 1;
        return flaky(sha);
      },
      recheck: flaky,
      retries: 3,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'bisected', sha: list[22]!.sha });
    // ⌈log2 64⌉ halvings plus the probe of from; re-runs are not probes.
    expect(probes).toBeLessThanOrEqual(7);
    expect(culprit.probes).toBe(probes);
  });

  it('marks a commit bad at once on the original fingerprint, and untestable on another', async () => {
    const list = commits(16);
    const calls: string[] = [];
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      fingerprint: 'original',
      probe: async (sha) => {
        calls.push(`probe ${sha.slice(0, 2)}`);
        const index = sha === 'from' ? 0 : list.findIndex((c) => c.sha === sha) + 1;
        if (index === 8) return { verdict: 'bad', fingerprint: 'a timeout, not the bug' };
        return index >= 11
          ? { verdict: 'bad', fingerprint: 'original' }
          : { verdict: 'good', fingerprint: null };
      },
      recheck: async (sha) => {
        calls.push(`recheck ${sha.slice(0, 2)}`);
        return { verdict: 'good', fingerprint: null };
      },
      retries: 1,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'bisected', sha: list[10]!.sha });
    // A bad run is never re-run; a good one is re-run once (retries: 1); commit 8 was skipped.
    expect(calls.filter((c) => c.startsWith('recheck 11') || c.startsWith('recheck 12'))).toEqual([]);
    expect(calls).toContain('probe 08');
    expect(calls).not.toContain('recheck 08');
  });

  it('skips a probe that cannot decide and still narrows the range', async () => {
    const list = commits(16);
    const fake = node(list, 11, { 8: ['skip'] });
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      ...fake,
      retries: 0,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'bisected', sha: list[10]!.sha });
    expect(fake.calls).toContain('probe 08');
  });

  it('reports "cannot bisect: from already fails" with the suspects that touch the service', async () => {
    const list = commits(8, (i) => (i % 3 === 0 ? ['nova/compute/driver.py'] : ['keystone/x']));
    const fake = node(list, 0);
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: ['nova/compute/'],
      ...fake,
      retries: 0,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'suspects', sha: null, probes: 1 });
    expect(culprit.note).toMatch(/^cannot bisect: from already fails/);
    expect(culprit.suspects.map((s) => s.subject)).toEqual(['commit 6', 'commit 3']);
    expect(suspectsOf(list, [])).toEqual([]);
  });

  it('names the commits it could not test apart when every neighbour is undecidable', async () => {
    const list = commits(8);
    // Commit 5 is the culprit; 4 cannot be tested, so 4 and 5 cannot be told apart.
    const fake = node(list, 5, { 4: ['skip'] });
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: ['nova/compute/'],
      ...fake,
      retries: 0,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'suspects', sha: null });
    expect(culprit.note).toMatch(/^bisection narrowed it to 2 commits/);
    expect(culprit.suspects.map((s) => s.subject)).toEqual(['commit 5', 'commit 4']);
  });

  it('keeps the suspects when the node goes away mid-bisection', async () => {
    const list = commits(8, (i) => (i === 7 ? ['nova/compute/x.py'] : ['docs/y']));
    let calls = 0;
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: ['nova/compute/'],
      probe: async () => {
        calls += 1;
        if (calls > 2) throw new Error('connection lost');
        return 'good';
      },
      recheck: async () => 'good',
      retries: 0,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'suspects', probes: 3 });
    expect(culprit.note).toMatch(/^bisection stopped: connection lost/);
    expect(culprit.suspects.map((s) => s.subject)).toEqual(['commit 7']);
  });

  it('reports progress as steps and commits left, never growing', async () => {
    const list = commits(12);
    const fake = node(list, 4);
    const seen: Array<[number, number]> = [];
    await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      ...fake,
      retries: 0,
      progress: (_text, stepsLeft, commitsLeft) => seen.push([stepsLeft, commitsLeft]),
    });
    expect(seen[0]).toEqual([5, 12]);
    expect(seen[1]).toEqual([4, 12]);
    // stepsLeft is an upper bound (as git bisect's "roughly N steps"): it never grows, nor is exceeded.
    expect(seen.length - 1).toBeLessThanOrEqual(4);
    for (let i = 1; i < seen.length; i += 1) {
      expect(seen[i]![0]).toBeGreaterThanOrEqual(1);
      expect(seen[i]![0]).toBeLessThanOrEqual(seen[i - 1]![0]);
      expect(seen[i]![1]).toBeLessThanOrEqual(seen[i - 1]![1]);
    }
  });
});

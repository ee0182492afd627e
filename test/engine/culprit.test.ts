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

  it('tells a flaky check from a real failure by re-running it', async () => {
    const list = commits(16);
    // Commit 6 is good but its check fails once; the culprit is commit 11.
    const fake = node(list, 11, { 6: ['bad', 'good'], 8: ['bad', 'good'] });
    const culprit = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      ...fake,
      retries: 1,
      progress: noProgress,
    });
    expect(culprit).toMatchObject({ how: 'bisected', sha: list[10]!.sha });
    const flaky = node(list, 11, { 8: ['bad', 'good'] });
    const fooled = await bisect({
      commits: list,
      fromCommit: 'from',
      paths: [],
      ...flaky,
      retries: 0,
      progress: noProgress,
    });
    expect(fooled.sha).not.toBe(list[10]!.sha);
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

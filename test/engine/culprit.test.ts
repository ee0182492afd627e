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
});

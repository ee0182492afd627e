import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../../../src/adapters/git/repo.js';
import { GitError } from '../../../src/errors.js';

let root: string;
let repo: string;
const shas: Record<string, string> = {};

function git(args: string[], who = { name: 'Bob', email: 'bob@example.com' }): string {
  return execFileSync('git', ['-C', repo, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
    },
  })
    .toString()
    .trim();
}

function commit(label: string, files: string[], who?: { name: string; email: string }, extra: string[] = []) {
  for (const file of files) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), `${label}\n`);
  }
  git(['add', '-A'], who);
  git(['commit', '-q', '--allow-empty', '-m', label, ...extra], who);
  shas[label] = git(['rev-parse', 'HEAD']);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-git-'));
  repo = join(root, 'deploy');
  mkdirSync(repo);
  git(['init', '-q', '-b', 'main']);
  commit('base', ['README']);
  git(['tag', 'v1']);
  // A feature branch merged with --no-ff: first-parent history sees only the merge.
  git(['checkout', '-q', '-b', 'feature']);
  commit('feature work', ['nova/compute/driver.py'], { name: 'Alice', email: 'alice@example.com' });
  git(['checkout', '-q', 'main']);
  commit('keystone: fix a token', ['keystone/token.py', 'docs/spaced name.md']);
  git(['merge', '-q', '--no-ff', 'feature', '-m', 'Merge feature']);
  shas['Merge feature'] = git(['rev-parse', 'HEAD']);
  commit('empty commit', []);
  commit('nova: ünïcode path', ['nova/api/ünï.py'], { name: 'Carol', email: 'carol@example.com' });
  git(['branch', 'stable/havana']);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the deploy repository through the git CLI', () => {
  it('resolves refs to full shas, and names a ref that does not resolve', async () => {
    const commits = createGitRepo(repo);
    expect(await commits.resolve('v1')).toBe(shas.base);
    expect(await commits.resolve('stable/havana')).toBe(shas['nova: ünïcode path']);
    expect(await commits.resolve(shas.base!.slice(0, 7))).toBe(shas.base);
    await expect(commits.resolve('stable/nope')).rejects.toThrow(/stable\/nope does not resolve to a commit/);
    await expect(commits.resolve('--output=/tmp/x')).rejects.toBeInstanceOf(GitError);
  });

  it('lists from..to in first-parent order, oldest first, with authors and files', async () => {
    const range = await createGitRepo(repo).range('v1', 'stable/havana');
    expect(range.map((c) => c.subject)).toEqual([
      'keystone: fix a token',
      'Merge feature',
      'empty commit',
      'nova: ünïcode path',
    ]);
    expect(range[0]).toEqual({
      sha: shas['keystone: fix a token'],
      parents: [shas.base],
      authorName: 'Bob',
      authorEmail: 'bob@example.com',
      subject: 'keystone: fix a token',
      files: ['docs/spaced name.md', 'keystone/token.py'],
    });
    // The merge carries the files its branch brought in, and both parents.
    expect(range[1]!.files).toEqual(['nova/compute/driver.py']);
    expect(range[1]!.parents).toEqual([shas['keystone: fix a token'], shas['feature work']]);
    expect(range[2]!.files).toEqual([]);
    expect(range[3]).toMatchObject({ authorName: 'Carol', files: ['nova/api/ünï.py'] });
    expect(await createGitRepo(repo).range('stable/havana', 'stable/havana')).toEqual([]);
  });

  it('tells whether a ref contains a commit', async () => {
    const commits = createGitRepo(repo);
    expect(await commits.contains('stable/havana', shas['feature work']!)).toBe(true);
    expect(await commits.contains('v1', shas['empty commit']!)).toBe(false);
    await expect(commits.contains('v1', 'f'.repeat(40))).rejects.toBeInstanceOf(GitError);
  });

  it('says which repository git could not read', async () => {
    const missing = createGitRepo(join(root, 'nowhere'));
    await expect(missing.range('a', 'b')).rejects.toThrow(/git could not list a\.\.b in .*nowhere/);
  });
});

// Commit fields that try to pass for git's separators (defect 9 of "every boundary holds"):
// a subject holding \x1e/\x1f and a forged "commit" with another author's name and sha.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../../../src/adapters/git/repo.js';

let root: string;
const git = (args: string[], author = { name: 'Mallory', email: 'mallory@example.com' }) =>
  execFileSync('git', ['-C', root, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    },
  })
    .toString()
    .trim();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-spoof-'));
  git(['init', '-q', '-b', 'main']);
  writeFileSync(join(root, 'README'), 'base\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'base'], { name: 'Bob', email: 'bob@example.com' });
  git(['tag', 'base']);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reading commits that try to forge records', () => {
  it('keeps a subject with record and field separators in its own commit, with its real author', async () => {
    const innocent = 'a'.repeat(40);
    const forged = `fix nova\u001e${innocent}\u001f\u001fAlice\u001falice@example.com\u001finnocent change`;
    mkdirSync(join(root, 'nova', 'compute'), { recursive: true });
    writeFileSync(join(root, 'nova', 'compute', 'driver.conf'), 'io = async\n');
    // A file whose name is a line feed and another commit's header, NUL aside.
    writeFileSync(join(root, `\n${innocent}`), 'x\n');
    writeFileSync(join(root, `z\n${innocent}`), 'x\n');
    git(['add', '-A']);
    git(['commit', '-q', '-m', forged]);
    writeFileSync(join(root, 'later'), 'y\n');
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'later'], { name: 'Carol', email: 'carol@example.com' });

    const commits = await createGitRepo(root).range('base', 'main');
    expect(commits).toHaveLength(2);
    expect(commits.map((c) => c.authorName)).toEqual(['Mallory', 'Carol']);
    expect(commits.some((c) => c.sha === innocent || c.authorEmail === 'alice@example.com')).toBe(false);
    expect(commits[0]!.subject).toBe(forged);
    expect(commits[0]!.files.sort()).toEqual(
      [`\n${innocent}`, 'nova/compute/driver.conf', `z\n${innocent}`].sort(),
    );
    expect(commits[1]!.files).toEqual(['later']);
  });
});

// The deploy repository, read with the git CLI: refs, and a release's commits in
// first-parent order with authors and the files each touched (one `git log` per range).
import { execFile } from 'node:child_process';
import type { CommitInfo, Commits } from '../../engine/ports.js';
import { GitError } from '../../errors.js';

interface GitFailure {
  /** The exit code of git, or undefined when git did not run at all. */
  code: number | undefined;
  stderr: string;
  cause: unknown;
}

type GitResult = { ok: true; stdout: string } | ({ ok: false } & GitFailure);

function git(repo: string, args: string[]): Promise<GitResult> {
  // quotePath=false: paths come out as they are (UTF-8), not C-quoted.
  const argv = ['-C', repo, '-c', 'core.quotePath=false', ...args];
  return new Promise((resolve) => {
    execFile('git', argv, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, stdout });
      const code = typeof error.code === 'number' ? error.code : undefined;
      resolve({ ok: false, code, stderr: String(stderr).trim(), cause: error });
    });
  });
}

function failed(what: string, repo: string, result: GitFailure): GitError {
  const why = result.stderr || (result.cause instanceof Error ? result.cause.message : String(result.cause));
  return new GitError(`git could not ${what} in ${repo}: ${why}`, { cause: result.cause });
}

/** A ref never starts with `-`: refuse it rather than let git read it as an option. */
function checkRef(ref: string): void {
  if (ref === '' || ref.startsWith('-')) throw new GitError(`"${ref}" is not a git ref`);
}

// Commits are read with NUL-separated formats: git refuses NUL in commit messages, author
// names and paths, so nothing a commit holds (a subject with \x1e or \x1f, a file named like a
// sha) can start a record of its own. One `git log` lists the commits, five fields each;
// another lists each commit's files, anchored on the shas the first one returned.
const COMMIT_FORMAT = '--format=%H%x00%P%x00%an%x00%ae%x00%s';
const FIELDS = 5;

/** Parses `git log -z --format=%H%x00%P%x00%an%x00%ae%x00%s`: five NUL-separated fields a commit. */
export function parseCommits(out: string): Array<Omit<CommitInfo, 'files'>> {
  const tokens = out.split('\0');
  if (tokens.at(-1) === '') tokens.pop();
  if (tokens.length % FIELDS !== 0)
    throw new GitError(`git log printed ${tokens.length} fields, not a multiple of ${FIELDS}`);
  const commits: Array<Omit<CommitInfo, 'files'>> = [];
  for (let i = 0; i < tokens.length; i += FIELDS) {
    const [sha = '', parents = '', authorName = '', authorEmail = '', subject = ''] = tokens.slice(
      i,
      i + FIELDS,
    );
    if (!/^[0-9a-f]{40,64}$/.test(sha))
      throw new GitError(`git log printed "${sha.slice(0, 80)}" where a sha belongs`);
    commits.push({ sha, parents: parents.split(' ').filter(Boolean), authorName, authorEmail, subject });
  }
  return commits;
}

/**
 * Parses `git log -z --name-only --format=%H` over the same range: each sha, then its files
 * (the first one after a line feed). A file is told from the next commit by the list of shas.
 */
export function parseFiles(out: string, shas: string[]): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const tokens = out.split('\0');
  let next = 0;
  let current: string[] | undefined;
  for (const token of tokens) {
    if (next < shas.length && token === shas[next]) {
      current = [];
      files.set(token, current);
      next += 1;
    } else if (token !== '' && current) current.push(current.length === 0 ? token.replace(/^\n/, '') : token);
  }
  return files;
}

/** Both parsed together: the commits with their files. */
export function parseLog(commitsOut: string, filesOut: string): CommitInfo[] {
  const commits = parseCommits(commitsOut);
  const files = parseFiles(
    filesOut,
    commits.map((commit) => commit.sha),
  );
  return commits.map((commit) => ({ ...commit, files: files.get(commit.sha) ?? [] }));
}

export function createGitRepo(path: string): Commits {
  return {
    async resolve(ref) {
      checkRef(ref);
      const result = await git(path, [
        'rev-parse',
        '--verify',
        '--quiet',
        '--end-of-options',
        `${ref}^{commit}`,
      ]);
      if (result.ok) return result.stdout.trim();
      if (result.code === 1)
        throw new GitError(`${ref} does not resolve to a commit in ${path}: fetch it, or fix the ref`, {
          cause: result.cause,
        });
      throw failed(`resolve ${ref}`, path, result);
    },

    async range(fromRef, toRef) {
      checkRef(fromRef);
      checkRef(toRef);
      const range = ['-z', '--first-parent', '--reverse'];
      const [listed, touched] = await Promise.all([
        git(path, ['log', ...range, COMMIT_FORMAT, '--end-of-options', `${fromRef}..${toRef}`]),
        git(path, [
          'log',
          ...range,
          // A merge lists what it brought in relative to its first parent.
          '--diff-merges=first-parent',
          '--name-only',
          '--format=%H',
          '--end-of-options',
          `${fromRef}..${toRef}`,
        ]),
      ]);
      if (!listed.ok) throw failed(`list ${fromRef}..${toRef}`, path, listed);
      if (!touched.ok) throw failed(`list the files of ${fromRef}..${toRef}`, path, touched);
      return parseLog(listed.stdout, touched.stdout);
    },

    async contains(ref, sha) {
      checkRef(ref);
      checkRef(sha);
      const result = await git(path, ['merge-base', '--is-ancestor', '--end-of-options', sha, ref]);
      if (result.ok) return true;
      if (result.code === 1) return false;
      throw failed(`tell whether ${ref} contains ${sha}`, path, result);
    },
  };
}

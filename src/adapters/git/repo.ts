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

const FIELD = '\u001f';
const RECORD = '\u001e';

/** Parses `git log -z --name-only --format=<RECORD>%H<FIELD>%P…`. */
export function parseLog(out: string): CommitInfo[] {
  return out
    .split(RECORD)
    .filter((chunk) => chunk !== '')
    .map((chunk): CommitInfo => {
      const [header = '', ...files] = chunk.split('\0');
      const [sha = '', parents = '', authorName = '', authorEmail = '', subject = ''] = header.split(FIELD);
      return {
        sha,
        parents: parents.split(' ').filter(Boolean),
        authorName,
        authorEmail,
        subject,
        files: files.map((file) => file.replace(/^\n/, '')).filter(Boolean),
      };
    });
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
      const result = await git(path, [
        'log',
        '-z',
        '--first-parent',
        '--reverse',
        // A merge lists what it brought in relative to its first parent.
        '--diff-merges=first-parent',
        '--name-only',
        `--format=${RECORD}%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%s`,
        '--end-of-options',
        `${fromRef}..${toRef}`,
      ]);
      if (!result.ok) throw failed(`list ${fromRef}..${toRef}`, path, result);
      return parseLog(result.stdout);
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

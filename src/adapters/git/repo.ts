// The deploy repository, read with the git CLI: refs, and a release's commits in
// first-parent order with authors and the files each touched.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommitInfo, Commits } from '../../engine/ports.js';

const run = promisify(execFile);

async function git(repo: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', repo, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || (error as Error).message, { cause: error });
  }
}

const FIELD = '\u001f';
const RECORD = '\u001e';

export function createGitRepo(path: string): Commits {
  return {
    async resolve(ref) {
      const out = await git(path, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(
        (error: Error) => {
          throw new Error(`${ref} does not resolve to a commit in ${path}`, { cause: error });
        },
      );
      return out.trim();
    },

    async range(fromRef, toRef) {
      const out = await git(path, [
        'log',
        '--first-parent',
        '--reverse',
        '--name-only',
        `--format=${RECORD}%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%s`,
        `${fromRef}..${toRef}`,
      ]);
      return out
        .split(RECORD)
        .filter((chunk) => chunk.trim())
        .map((chunk): CommitInfo => {
          const [header = '', ...files] = chunk.split('\n');
          const [sha = '', parents = '', authorName = '', authorEmail = '', subject = ''] =
            header.split(FIELD);
          return {
            sha,
            parents: parents.split(' ').filter(Boolean),
            authorName,
            authorEmail,
            subject,
            files: files.filter(Boolean),
          };
        });
    },

    async contains(ref, sha) {
      try {
        await git(path, ['merge-base', '--is-ancestor', sha, ref]);
        return true;
      } catch (error) {
        if ((error as { cause?: { code?: number } }).cause?.code === 1) return false;
        throw error;
      }
    },
  };
}

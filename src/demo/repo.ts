// The demo's deploy repository: a real git history from grizzly to havana in which one
// commit, by a developer mapped in `people:`, breaks nova-compute's health check.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Author {
  name: string;
  email: string;
}

export const AUTHORS = {
  alice: { name: 'Alice Liddell', email: 'alice@example.com' },
  bob: { name: 'Bob Ross', email: 'bob@example.com' },
  carol: { name: 'Carol Shaw', email: 'carol@example.com' },
} satisfies Record<string, Author>;

export interface DemoRepo {
  path: string;
  grizzly: string;
  havana: string;
  culprit: { sha: string; subject: string; author: Author };
}

interface Step {
  author: Author;
  subject: string;
  files: Record<string, string>;
}

/** The line in nova/compute/driver.conf that the simulated nodes' health check rejects. */
export const BREAKING_LINE = 'io = async';

const HAVANA: Step[] = [
  {
    author: AUTHORS.bob,
    subject: 'keystone: token cache defaults for havana',
    files: { 'keystone/cache.conf': 'backend = memcache\n' },
  },
  {
    author: AUTHORS.carol,
    subject: 'nova-api: v3 API behind a flag',
    files: { 'nova/api/api.conf': 'v3 = false\n' },
  },
  {
    author: AUTHORS.bob,
    subject: 'keystone: pki tokens',
    files: { 'keystone/token.conf': 'provider = pki\n' },
  },
  {
    author: AUTHORS.carol,
    subject: 'nova-compute: resource tracker tweaks',
    files: { 'nova/compute/tracker.conf': 'reserved_mb = 512\n' },
  },
  {
    author: AUTHORS.alice,
    subject: 'nova-compute: switch the libvirt driver to async I/O',
    files: { 'nova/compute/driver.conf': `${BREAKING_LINE}\n` },
  },
  { author: AUTHORS.bob, subject: 'docs: havana upgrade notes', files: { 'docs/havana.md': '# havana\n' } },
  {
    author: AUTHORS.carol,
    subject: 'nova-api: rate limits',
    files: { 'nova/api/limits.conf': 'rps = 50\n' },
  },
  { author: AUTHORS.bob, subject: 'keystone: havana release notes', files: { 'keystone/NOTES': 'havana\n' } },
];

export const CULPRIT_INDEX = 4;

async function git(cwd: string, args: string[], author?: Author): Promise<string> {
  const env = author
    ? {
        ...process.env,
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      }
    : process.env;
  const { stdout } = await run('git', args, { cwd, env });
  return stdout.trim();
}

async function commit(path: string, step: Step): Promise<string> {
  for (const [file, text] of Object.entries(step.files)) {
    mkdirSync(dirname(join(path, file)), { recursive: true });
    writeFileSync(join(path, file), text);
  }
  await git(path, ['add', '-A']);
  await git(path, ['commit', '-q', '-m', step.subject], step.author);
  return git(path, ['rev-parse', 'HEAD']);
}

export async function createDemoRepo(path: string): Promise<DemoRepo> {
  mkdirSync(path, { recursive: true });
  await git(path, ['init', '-q', '-b', 'main']);
  await git(path, ['config', 'commit.gpgsign', 'false']);
  const grizzly = await commit(path, {
    author: AUTHORS.bob,
    subject: 'grizzly: the fleet as it runs today',
    files: {
      'keystone/keystone.conf': 'release = grizzly\n',
      'nova/api/nova.conf': 'release = grizzly\n',
      'nova/compute/driver.conf': 'io = threads\n',
    },
  });
  await git(path, ['branch', 'stable/grizzly']);
  const shas: string[] = [];
  for (const step of HAVANA) shas.push(await commit(path, step));
  await git(path, ['branch', 'stable/havana']);
  const culprit = HAVANA[CULPRIT_INDEX]!;
  return {
    path,
    grizzly,
    havana: shas.at(-1)!,
    culprit: { sha: shas[CULPRIT_INDEX]!, subject: culprit.subject, author: culprit.author },
  };
}

/** The fix a developer pushes after the failure: stable/havana moves to a commit that works. */
export async function pushFix(repo: DemoRepo): Promise<string> {
  await git(repo.path, ['checkout', '-q', 'stable/havana']);
  const sha = await commit(repo.path, {
    author: AUTHORS.alice,
    subject: 'nova-compute: fall back to threaded I/O until libvirt 1.2',
    files: { 'nova/compute/driver.conf': 'io = threads\n' },
  });
  await git(repo.path, ['checkout', '-q', 'main']);
  return sha;
}

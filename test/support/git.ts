// Git repositories for tests, built with the git CLI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const AUTHORS = [
  { name: 'Alice', email: 'alice@example.com' },
  { name: 'Bob', email: 'bob@example.com' },
  { name: 'Carol', email: 'carol@example.com' },
];

function git(path: string, args: string[], author = AUTHORS[1]!): string {
  return execFileSync('git', ['-C', path, ...args], {
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
}

/**
 * stable/grizzly = a base commit; stable/havana = `count` commits on top, where commit
 * `breaking` (1-based, by Alice) adds `<service>/BROKEN`. Returns every sha.
 */
export async function buildRangeRepo(path: string, count: number, breaking: number, service: string) {
  mkdirSync(path, { recursive: true });
  git(path, ['init', '-q', '-b', 'main']);
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(path, file)), { recursive: true });
    writeFileSync(join(path, file), text);
  };
  write('README', 'base\n');
  git(path, ['add', '-A']);
  git(path, ['commit', '-q', '-m', 'base']);
  const grizzly = git(path, ['rev-parse', 'HEAD']);
  git(path, ['branch', 'stable/grizzly']);
  const shas: string[] = [];
  for (let i = 1; i <= count; i += 1) {
    const author = i === breaking ? AUTHORS[0]! : AUTHORS[1 + (i % 2)]!;
    if (i === breaking) write(`${service}/BROKEN`, 'yes\n');
    else write(`docs/change-${i}.md`, `change ${i}\n`);
    git(path, ['add', '-A'], author);
    git(
      path,
      ['commit', '-q', '-m', i === breaking ? `${service}: the change that breaks it` : `change ${i}`],
      author,
    );
    shas.push(git(path, ['rev-parse', 'HEAD']));
  }
  git(path, ['branch', 'stable/havana']);
  return { path, grizzly, shas };
}

/** A node health hook that fails when the deployed commit has `<service>/BROKEN`. */
export function brokenFileHook(repo: string): string {
  return `#!/bin/sh
if git -C '${repo}' cat-file -e "$2:$1/BROKEN" 2>/dev/null; then echo "$1 broken at $2" >&2; exit 1; fi
exit 0
`;
}

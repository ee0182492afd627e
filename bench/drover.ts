// drover as a user runs it — `node bin/drover.js upgrade start <release> --env bench --wait`
// with a generated config, a small deploy repository and a fresh database (embedded, new in the
// process's working directory; or a new migrated database on a PostgreSQL server), process
// start included.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { measure } from './measure.js';
import type { Contender, Outcome, Scenario } from './types.js';

const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin', 'drover.js');

/** Why the built CLI cannot run (the contenders run dist/), or undefined. */
export function unbuilt(): string | undefined {
  return existsSync(join(ROOT, 'dist', 'cli.js'))
    ? undefined
    : 'dist/cli.js is missing: run `npm run build` first';
}

/**
 * A deploy repository: stable/grizzly, and stable/havana `deploys` commits further (1); `commits`
 * are havana's, oldest first, `havana` its head.
 */
export function createBenchRepo(
  dir: string,
  deploys = 1,
): { grizzly: string; havana: string; commits: string[] } {
  mkdirSync(join(dir, 'keystone'), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], {
      cwd: dir,
    })
      .toString()
      .trim();
  git('init', '-q', '-b', 'stable/grizzly');
  writeFileSync(join(dir, 'keystone', 'VERSION'), 'grizzly\n');
  git('add', '.');
  git('commit', '-q', '-m', 'keystone: grizzly');
  const grizzly = git('rev-parse', 'HEAD');
  git('checkout', '-q', '-b', 'stable/havana');
  const commits: string[] = [];
  for (let deploy = 1; deploy <= deploys; deploy += 1) {
    writeFileSync(join(dir, 'keystone', 'VERSION'), `havana ${deploy}\n`);
    git('commit', '-q', '-am', `keystone: havana, deploy ${deploy}`);
    commits.push(git('rev-parse', 'HEAD'));
  }
  return { grizzly, havana: commits.at(-1)!, commits };
}

export function configYaml(scenario: Scenario, repo: string, channels = '', ssh = ''): string {
  const { fleet } = scenario;
  const nodes = fleet.nodes.map(
    (n) => `      - { name: ${n.name}, host: ${n.host}, port: ${n.port}, roles: [node] }`,
  );
  return `ssh: { user: ${fleet.user}, privateKey: ${fleet.clientKeyPath}, knownHosts: ${fleet.knownHostsPath}, concurrency: ${scenario.concurrency}, connectTimeout: 30s${ssh ? `, ${ssh}` : ''} }
services:
  keystone: { roles: [node], paths: [keystone/] }
releases:
  repo: ${repo}
  order: [grizzly, havana]
  grizzly: { ref: stable/grizzly }
  havana:  { ref: stable/havana, from: grizzly }
phases:
  version: ${JSON.stringify(fleet.phases.version)}
  upgrade: ${JSON.stringify(scenario.upgradeTemplate)}
  health: ${JSON.stringify(fleet.phases.health)}
  rollback: ${JSON.stringify(fleet.phases.rollback)}
  timeouts: { default: 60s }
environments:
  bench:${channels ? `\n    channels: ${channels}` : ''}
    strategy: { kind: all-at-once }
    nodes:
${nodes.join('\n')}
operators: { slack: [U0BENCH] }
`;
}

/** `drover upgrade start havana --env bench --wait` in a fresh working directory, measured. */
async function startAndWait(scenario: Scenario, databaseUrl: string | undefined, ssh = ''): Promise<Outcome> {
  const missing = unbuilt();
  if (missing) return { unavailable: missing };
  const work = mkdtempSync(join(tmpdir(), 'drover-bench-'));
  const { havana } = createBenchRepo(join(work, 'deploy'));
  scenario.expectCommit(havana);
  const configPath = join(work, 'drover.yaml');
  writeFileSync(configPath, configYaml(scenario, join(work, 'deploy'), '', ssh));
  const { DATABASE_URL: _shared, ...inherited } = process.env;
  const env = {
    ...inherited,
    DROVER_CONFIG: configPath,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const result = await measure(
    ['node', ...(scenario.nodeArgs ?? []), CLI, 'upgrade', 'start', 'havana', '--env', 'bench', '--wait'],
    { cwd: work, env, timeoutMs: scenario.timeoutMs },
  );
  if (result.exitCode !== 0)
    return {
      unavailable: `drover exited ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    };
  return result;
}

/**
 * What the server's statistics say was written to a database: rows inserted, updated and
 * deleted, and transactions committed (read-only ones included). A backend adds its counts
 * when its client disconnects, so they are read until they hold still.
 */
async function writesTo(
  admin: postgres.Sql,
  database: string,
): Promise<{ rows: number; transactions: number }> {
  const read = async () => {
    const [row] = await admin<Array<{ rows: string; transactions: string }>>`
      select tup_inserted + tup_updated + tup_deleted as rows, xact_commit as transactions
      from pg_stat_database where datname = ${database}`;
    return { rows: Number(row?.rows ?? 0), transactions: Number(row?.transactions ?? 0) };
  };
  let last = await read();
  for (let tries = 0; tries < 30; tries += 1) {
    await new Promise((wake) => setTimeout(wake, 200));
    const now = await read();
    if (now.rows === last.rows && now.transactions === last.transactions) return now;
    last = now;
  }
  return last;
}

/** The embedded database (no DATABASE_URL), new in the working directory: what `npx drover` gives. */
export const drover: Contender = {
  name: 'drover upgrade start --wait',
  run: (scenario) => startAndWait(scenario, undefined),
};

/** The same with the system ssh (`ssh.transport: openssh`): a master per node, started cold. */
export const droverOpenssh: Contender = {
  name: 'drover upgrade start --wait, transport: openssh',
  run: (scenario) => startAndWait(scenario, undefined, 'transport: openssh, config: /dev/null'),
};

/** The same on a PostgreSQL server (the bench's DATABASE_URL), in a new migrated database. */
export const droverOnPostgres: Contender = {
  name: 'drover, DATABASE_URL (PostgreSQL)',
  async run(scenario) {
    const server = process.env.DATABASE_URL;
    if (!server) return { unavailable: 'set DATABASE_URL to a PostgreSQL server to measure drover on it' };
    const name = `drover_bench_${process.pid}_${Date.now()}`;
    const admin = postgres(server, { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(`create database ${name}`);
      const url = new URL(server);
      url.pathname = `/${name}`;
      // An operator's server is migrated before the first upgrade: not part of the measurement.
      const migrated = spawnSync('node', [CLI, 'migrate'], {
        cwd: tmpdir(),
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: 'utf8',
      });
      if (migrated.status !== 0) return { unavailable: `drover migrate failed: ${migrated.stderr.trim()}` };
      const before = await writesTo(admin, name);
      const outcome = await startAndWait(scenario, url.toString());
      if ('unavailable' in outcome) return outcome;
      const after = await writesTo(admin, name);
      return {
        ...outcome,
        dbWrites: { rows: after.rows - before.rows, transactions: after.transactions - before.transactions },
      };
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.end({ timeout: 5 });
    }
  },
};

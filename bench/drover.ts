// Contender (c): drover as a user runs it — `node bin/drover.js upgrade start <release>
// --env bench --wait` with a generated config, a small deploy repository and a fresh
// embedded database directory (the process's working directory), process start included.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measure } from './measure.js';
import type { Contender, Scenario } from './types.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'drover.js');

/** A deploy repository: stable/grizzly, and stable/havana one commit further. */
export function createBenchRepo(dir: string): { grizzly: string; havana: string } {
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
  writeFileSync(join(dir, 'keystone', 'VERSION'), 'havana\n');
  git('commit', '-q', '-am', 'keystone: havana');
  return { grizzly, havana: git('rev-parse', 'HEAD') };
}

function configYaml(scenario: Scenario, repo: string): string {
  const { fleet } = scenario;
  const nodes = fleet.nodes.map(
    (n) => `      - { name: ${n.name}, host: ${n.host}, port: ${n.port}, roles: [node] }`,
  );
  return `ssh: { user: ${fleet.user}, privateKey: ${fleet.clientKeyPath}, knownHosts: ${fleet.knownHostsPath}, concurrency: ${scenario.concurrency}, connectTimeout: 30s }
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
  bench:
    strategy: { kind: all-at-once }
    nodes:
${nodes.join('\n')}
operators: { slack: [U0BENCH] }
`;
}

export const drover: Contender = {
  name: 'drover upgrade start --wait',
  async run(scenario) {
    if (!existsSync(join(ROOT, 'dist', 'cli.js')))
      return { unavailable: 'dist/cli.js is missing: run `npm run build` first' };
    const work = mkdtempSync(join(tmpdir(), 'drover-bench-'));
    const { havana } = createBenchRepo(join(work, 'deploy'));
    scenario.expectCommit(havana);
    const configPath = join(work, 'drover.yaml');
    writeFileSync(configPath, configYaml(scenario, join(work, 'deploy')));
    // No DATABASE_URL: the embedded database, fresh in the working directory.
    const { DATABASE_URL: _shared, ...inherited } = process.env;
    const env = { ...inherited, DROVER_CONFIG: configPath };
    const result = await measure(
      ['node', ...(scenario.nodeArgs ?? []), CLI, 'upgrade', 'start', 'havana', '--env', 'bench', '--wait'],
      {
        cwd: work,
        env,
        timeoutMs: scenario.timeoutMs,
      },
    );
    if (result.exitCode !== 0)
      return {
        unavailable: `drover exited ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      };
    return result;
  },
};

// The baselines drover is measured against: (a) a bare node-ssh loop, (b) raw parallel
// OpenSSH (`xargs -P <concurrency> ssh …`, one ssh process per command).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderTemplate } from '../src/shell/template.js';
import { measure } from './measure.js';
import type { Contender, Outcome, Scenario } from './types.js';

const HERE = resolve(import.meta.dirname);
const ROOT = resolve(HERE, '..');

export function commandsOf(scenario: Scenario): [string, string] {
  return [
    renderTemplate(scenario.upgradeTemplate, { service: 'keystone', commit: scenario.commit }),
    renderTemplate(scenario.fleet.phases.health, { service: 'keystone' }),
  ];
}

function writeJob(scenario: Scenario, extra: Record<string, unknown> = {}): string {
  const job = join(mkdtempSync(join(tmpdir(), 'drover-bench-job-')), 'job.json');
  writeFileSync(
    job,
    JSON.stringify({
      nodes: scenario.fleet.nodes.map((n) => ({ host: n.host, port: n.port })),
      user: scenario.fleet.user,
      key: scenario.fleet.clientKeyPath,
      knownHosts: scenario.fleet.knownHostsPath,
      concurrency: scenario.concurrency,
      commands: commandsOf(scenario),
      ...extra,
    }),
  );
  return job;
}

export const nodeSshLoop: Contender = {
  name: '(a) bare node-ssh loop',
  run: (scenario) =>
    measure(['node', join(HERE, 'node-ssh-loop.mjs'), writeJob(scenario)], { timeoutMs: scenario.timeoutMs }),
};

/** The loop of (a) through drover's compiled SSH adapter: the adapter's own cost. */
export const runnerLoop: Contender = {
  name: '(a+) same loop, drover SSH adapter',
  run: (scenario) => adapterLoop(scenario, commandsOf(scenario)),
};

/** (a+) with the `version` probe drover runs on a node before it touches it: what drover sends. */
export const probingRunnerLoop: Contender = {
  name: '(a+v) same, with the version probe first',
  run: (scenario) =>
    adapterLoop(scenario, [
      renderTemplate(scenario.fleet.phases.version, { service: 'keystone' }),
      ...commandsOf(scenario),
    ]),
};

async function adapterLoop(scenario: Scenario, commands: string[]): Promise<Outcome> {
  // Compiled from the current source, outside the measurement, under node_modules so the
  // output resolves node-ssh like the real build does (and git ignores it).
  const out = join(ROOT, 'node_modules', '.cache', 'drover-bench');
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const flags = [
    '--outDir',
    out,
    '--rootDir',
    'src',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
  ];
  try {
    execFileSync(
      tsc,
      [...flags, '--target', 'ES2022', '--strict', '--skipLibCheck', 'src/adapters/ssh/runner.ts'],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    );
  } catch (error) {
    // tsc still emits on type errors elsewhere in the tree; only a missing output is fatal.
    if (!existsSync(join(out, 'adapters', 'ssh', 'runner.js')))
      return {
        unavailable: `could not compile the SSH adapter: ${(error as Error).message.slice(0, 200)}`,
      };
  }
  const job = writeJob(scenario, { module: join(out, 'adapters', 'ssh', 'runner.js'), commands });
  return measure(['node', join(HERE, 'runner-loop.mjs'), job], { timeoutMs: scenario.timeoutMs });
}

export const xargsSsh: Contender = {
  name: '(b) xargs -P ssh',
  async run(scenario) {
    const { fleet } = scenario;
    const dir = mkdtempSync(join(tmpdir(), 'drover-bench-b-'));
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, `${fleet.nodes.map((n) => n.host).join('\n')}\n`);
    const port = fleet.nodes[0]!.port;
    const ssh = `ssh -F /dev/null -i ${fleet.clientKeyPath} -p ${port} -l ${fleet.user} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${fleet.knownHostsPath} -o ConnectTimeout=30 -o LogLevel=ERROR`;
    const [upgrade, health] = commandsOf(scenario);
    const script = `${ssh} "$0" "$UPGRADE" >/dev/null && ${ssh} "$0" "$HEALTH" >/dev/null`;
    return measure(['sh', '-c', `xargs -P ${scenario.concurrency} -n 1 sh -c '${script}' < ${hosts}`], {
      env: { ...process.env, UPGRADE: upgrade, HEALTH: health },
      timeoutMs: scenario.timeoutMs,
    });
  },
};

// The baselines drover is measured against: (a) a bare node-ssh loop, (b) raw parallel
// OpenSSH (`xargs -P <concurrency> ssh …`, one ssh process per command).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderTemplate } from '../src/engine/template.js';
import { measure } from './measure.js';
import type { Contender, Scenario } from './types.js';

const HERE = resolve(import.meta.dirname);

export function commandsOf(scenario: Scenario): [string, string] {
  return [
    renderTemplate(scenario.upgradeTemplate, { service: 'keystone', commit: scenario.commit }),
    renderTemplate(scenario.fleet.phases.health, { service: 'keystone' }),
  ];
}

export const nodeSshLoop: Contender = {
  name: '(a) bare node-ssh loop',
  async run(scenario) {
    const job = join(mkdtempSync(join(tmpdir(), 'drover-bench-a-')), 'job.json');
    writeFileSync(
      job,
      JSON.stringify({
        nodes: scenario.fleet.nodes.map((n) => ({ host: n.host, port: n.port })),
        user: scenario.fleet.user,
        key: scenario.fleet.clientKeyPath,
        concurrency: scenario.concurrency,
        commands: commandsOf(scenario),
      }),
    );
    return measure(['node', join(HERE, 'node-ssh-loop.mjs'), job], { timeoutMs: scenario.timeoutMs });
  },
};

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

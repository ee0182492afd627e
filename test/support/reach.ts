// An upgrade of a test fleet end to end with the real engine: a deploy repository, a migrated
// database and the runner of the configured transport. For tests of how nodes are reached.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/adapters/clock.js';
import { createGitRepo } from '../../src/adapters/git/repo.js';
import { createNodeRunner } from '../../src/adapters/ssh/transport.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createDemoRepo } from '../../src/demo/repo.js';
import { createEngine } from '../../src/engine/host.js';
import type { UpgradeSnapshot } from '../../src/engine/ports.js';
import { testBatchPhases } from './batching.js';
import { openTestDatabase } from './db.js';
import type { Fleet } from './fleet/common.js';
import { OPS } from './lab.js';

export interface ReachSpec {
  /** Keys added to `ssh:` (flow style), e.g. `transport: openssh, jump: [u@h:2222]`. */
  ssh?: string;
  /** The environment's nodes: fleet node names → `roles`/`labels` and extra flow keys. */
  nodes: Array<{ name: string; role: 'controller' | 'compute'; extra?: string }>;
  strategy?: string;
  /** Phase templates replacing the kit's. */
  phases?: Partial<Record<string, string>>;
}

export function reachYaml(fleet: Fleet, repo: string, spec: ReachSpec): string {
  const nodes = spec.nodes.map(({ name, role, extra }) => {
    const node = fleet.nodes.find((n) => n.name === name)!;
    return `      - { name: ${name}, host: ${node.host}, port: ${node.port}, user: ${fleet.user}, roles: [${role}]${extra ? `, ${extra}` : ''} }`;
  });
  const phases = Object.entries({ ...fleet.phases, ...spec.phases }).map(
    ([phase, template]) => `  ${phase}: ${JSON.stringify(template)}`,
  );
  return `ssh: { user: ${fleet.user}, privateKey: ${fleet.clientKeyPath}, knownHosts: ${fleet.knownHostsPath}, concurrency: 10, connectTimeout: 5s, keepOpen: 5s${batching(spec.ssh)}${spec.ssh ? `, ${spec.ssh}` : ''} }
services:
  keystone:     { roles: [controller], paths: [keystone/] }
  nova-compute: { roles: [compute], after: [keystone], paths: [nova/compute/] }
releases:
  repo: ${repo}
  order: [grizzly, havana]
  grizzly: { ref: stable/grizzly }
  havana:  { ref: stable/havana, from: grizzly }
phases:
${phases.join('\n')}
  timeouts: { default: 30s }
environments:
  lab:
    strategy: ${spec.strategy ?? '{ kind: all-at-once, auto: true, soak: 0s }'}
    nodes:
${nodes.join('\n')}
operators: { slack: [U0OPS] }
`;
}

/** ssh.batchPhases as the suites run (unless the spec sets it). */
const batching = (ssh: string | undefined) =>
  ssh?.includes('batchPhases') ? '' : `, batchPhases: ${testBatchPhases()}`;

/** A fresh deploy repository whose grizzly the fleet's nodes are seeded with. */
export async function reachRepo(): Promise<{ path: string; grizzly: string }> {
  const repo = await createDemoRepo(join(mkdtempSync(join(tmpdir(), 'drover-reach-')), 'deploy'));
  return { path: repo.path, grizzly: repo.grizzly };
}

/** Upgrades the environment to havana and returns the final snapshot and config. */
export async function upgradeThrough(
  fleet: Fleet,
  repo: string,
  spec: ReachSpec,
): Promise<{ snapshot: UpgradeSnapshot; config: Config }> {
  const yaml = reachYaml(fleet, repo, spec);
  const file = join(mkdtempSync(join(tmpdir(), 'drover-reach-config-')), 'drover.yaml');
  writeFileSync(file, yaml);
  const config = parseConfig(yaml, file, {});
  const database = await openTestDatabase('pglite');
  const runner = createNodeRunner({ ssh: config.ssh, redact: config.redact });
  try {
    const engine = createEngine({
      config,
      store: database.store,
      runner,
      clock: systemClock,
      owner: 'test-process',
      refs: createGitRepo(repo),
      pollMs: 50,
    });
    const started = await engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    return { snapshot: await engine.drive(started.upgrade.id, 'terminal'), config };
  } finally {
    await runner.close();
    await database.close();
  }
}

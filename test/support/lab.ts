// A whole drover in a test: a real git repository, a simulated SSH fleet, a migrated
// database, the config that ties them together, and the engine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/adapters/clock.js';
import type { Database } from '../../src/adapters/db/open.js';
import { createGitRepo } from '../../src/adapters/git/repo.js';
import { createSshRunner } from '../../src/adapters/ssh/runner.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type SimFleet, startSimFleet } from '../../src/demo/fleet.js';
import { createDemoRepo } from '../../src/demo/repo.js';
import type { Attributor } from '../../src/engine/driver-deps.js';
import { createEngine, type Engine } from '../../src/engine/host.js';
import type { Clock, Commits } from '../../src/engine/ports.js';
import type { Actor } from '../../src/engine/types.js';
import { testBatchPhases } from './batching.js';
import { type Backend, openTestDatabase } from './db.js';

export const OPS: Actor = { id: 'cli:ops@test', platform: 'cli', name: 'ops' };

export interface LabOptions {
  controllers?: number;
  computes?: number;
  strategy?: string;
  concurrency?: number;
  /** ssh.batchPhases (default: the config's, or DROVER_TEST_BATCH_PHASES). */
  batchPhases?: boolean;
  backend?: Backend;
  extra?: string;
  /** More keys of the lab environment, as YAML lines indented by four spaces. */
  environment?: string;
  /** The `services:` block's entries, replacing keystone → nova-api → nova-compute. */
  services?: string;
  attributor?: (lab: Omit<Lab, 'engine' | 'close'>) => Attributor;
  /** Builds the deploy repository (default: the demo's). */
  repo?: (path: string) => Promise<LabRepo>;
  /** The engine's clock (default: the system clock) and how long its driver naps between polls (50 ms). */
  clock?: Clock;
  pollMs?: number;
  /** Phase templates that replace the kit's (e.g. a rollback that logs when it starts and ends). */
  phases?: Record<string, string>;
}

export interface LabRepo {
  path: string;
  /** The sha stable/grizzly points at: what the nodes run at first. */
  grizzly: string;
}

export interface Lab {
  root: string;
  repo: LabRepo;
  commits: Commits;
  fleet: SimFleet;
  config: Config;
  configPath: string;
  database: Database;
  engine: Engine;
  close(): Promise<void>;
}

const DEFAULT_SERVICES = `  keystone:     { roles: [controller], paths: [keystone/] }
  nova-api:     { roles: [controller], after: [keystone], paths: [nova/api/] }
  nova-compute: { roles: [compute], after: [nova-api], paths: [nova/compute/] }`;

export function labYaml(_root: string, repo: LabRepo, fleet: SimFleet, options: LabOptions): string {
  const controllers = options.controllers ?? 2;
  const nodes = fleet.nodes.map(
    (node, index) =>
      `      - { name: ${node.name}, host: ${node.host}, port: ${node.port}, roles: [${index < controllers ? 'controller' : 'compute'}] }`,
  );
  const phases = Object.entries({ ...fleet.phases, ...options.phases }).map(
    ([phase, template]) => `  ${phase}: ${JSON.stringify(template)}`,
  );
  return `ssh: { user: stack, privateKey: ${fleet.clientKeyPath}, knownHosts: ${fleet.knownHostsPath}, concurrency: ${options.concurrency ?? 4}, connectTimeout: 5s, batchPhases: ${options.batchPhases ?? testBatchPhases()} }
services:
${options.services ?? DEFAULT_SERVICES}
releases:
  repo: ${repo.path}
  order: [grizzly, havana]
  grizzly: { ref: stable/grizzly }
  havana:  { ref: stable/havana, from: grizzly }
phases:
${phases.join('\n')}
  timeouts: { default: 30s }
environments:
  lab:
    channels: { slack: C0LAB }
    strategy: ${options.strategy ?? '{ kind: rolling, batch: 2 }'}
${options.environment ?? ''}
    nodes:
${nodes.join('\n')}
people:
  - { email: alice@example.com, name: Alice, slack: U01ALICE, discord: "5566778899" }
operators: { slack: [U0OPS], discord: ["9988776655"] }
developers: { slack: [U01ALICE], discord: ["5566778899"] }
${options.extra ?? ''}`;
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const root = mkdtempSync(join(tmpdir(), 'drover-lab-'));
  const repo = await (options.repo ?? createDemoRepo)(join(root, 'deploy'));
  const names = [
    ...Array.from({ length: options.controllers ?? 2 }, (_, i) => `ctl-${i + 1}`),
    ...Array.from({ length: options.computes ?? 4 }, (_, i) => `cmp-${String(i + 1).padStart(2, '0')}`),
  ];
  const fleet = await startSimFleet({ root: join(root, 'fleet'), names, seedVersion: repo.grizzly });
  const configPath = join(root, 'drover.yaml');
  const yaml = labYaml(root, repo, fleet, options);
  writeFileSync(configPath, yaml);
  const config = parseConfig(yaml, configPath, {});
  const database = await openTestDatabase(options.backend ?? 'pglite');
  const commits = createGitRepo(repo.path);
  const partial = { root, repo, commits, fleet, config, configPath, database };
  const runner = createSshRunner({ ssh: config.ssh, redact: config.redact });
  const engine = createEngine({
    config,
    store: database.store,
    runner,
    clock: options.clock ?? systemClock,
    owner: 'test-process',
    refs: commits,
    attributor: options.attributor?.(partial),
    pollMs: options.pollMs ?? 50,
  });
  return {
    ...partial,
    engine,
    async close() {
      await runner.close();
      await database.close();
      await fleet.close();
    },
  };
}

// Configs for tests, written as users write them (YAML) and parsed by the real loader.
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { makePlan } from '../../src/engine/plan.js';
import type { Plan } from '../../src/engine/types.js';

export interface FleetSpec {
  controllers?: number;
  computes?: number;
  strategy?: string;
  requireAck?: boolean;
  extra?: string;
}

/** An OpenStack-like config: controllers run keystone + nova-api, computes run nova-compute. */
export function openstackYaml(spec: FleetSpec = {}): string {
  const nodes: string[] = [];
  for (let i = 1; i <= (spec.controllers ?? 2); i += 1)
    nodes.push(`      - { name: ctl-${i}, host: 127.0.2.${i}, roles: [controller] }`);
  for (let i = 1; i <= (spec.computes ?? 4); i += 1)
    nodes.push(`      - { name: cmp-${i}, host: 127.0.3.${i}, roles: [compute] }`);
  return `ssh: { user: stack, knownHosts: /dev/null, concurrency: 4 }
services:
  keystone:     { roles: [controller], paths: [keystone/] }
  nova-api:     { roles: [controller], after: [keystone], paths: [nova/api/] }
  nova-compute: { roles: [compute], after: [nova-api], paths: [nova/compute/] }
releases:
  repo: /srv/deploy
  order: [grizzly, havana, icehouse]
  grizzly:  { ref: stable/grizzly }
  havana:   { ref: stable/havana, from: grizzly }
  icehouse: { ref: stable/icehouse, from: havana }
phases:
  version: bin/version {{service}}
  drain: bin/drain {{service}}
  upgrade: bin/upgrade {{service}} {{commit}}
  health: bin/health {{service}}
  undrain: bin/undrain {{service}}
  rollback: bin/upgrade {{service}} {{fromCommit}}
environments:
  lab:
    strategy: ${spec.strategy ?? '{ kind: rolling, batch: 1 }'}
    requireAck: ${spec.requireAck ?? false}
    nodes:
${nodes.join('\n')}
operators: { slack: [U0OPS] }
developers: { slack: [U0DEV] }
${spec.extra ?? ''}`;
}

export function openstackConfig(spec: FleetSpec = {}): Config {
  return parseConfig(openstackYaml(spec), 'test.yaml', {});
}

/** The plan of havana for an environment of the default lab, as stores and commits get it. */
export function labPlan(environment = 'lab'): Plan {
  return makePlan({
    config: openstackConfig(),
    environment,
    release: 'havana',
    options: {},
    versions: new Map(),
  });
}

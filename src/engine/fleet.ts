// What the engine derives from the config about one environment's fleet: node addresses,
// roles, availability limits, the dependency graph, and each unit's rendered commands.
import type { Config } from '../config/schema.js';
import type { DecideContext } from './decide.js';
import { own } from './lookup.js';
import { unavailableLimits } from './plan.js';
import type { UpgradeSnapshot } from './ports.js';
import { isTarget } from './skew.js';
import type { NodeRef, Plan } from './types.js';

export interface Fleet {
  nodes: Map<string, NodeRef>;
  context: DecideContext;
}

/** The environment's nodes as the engine addresses them: user and port resolved. */
export function nodeRefs(config: Config, environment: string): Map<string, NodeRef> {
  const env = own(config.environments, environment);
  if (!env) throw new Error(`unknown environment "${environment}"`);
  const nodes = new Map<string, NodeRef>();
  for (const node of env.nodes) {
    nodes.set(node.name, {
      name: node.name,
      host: node.host,
      port: node.port ?? config.ssh.port,
      user: node.user ?? config.ssh.user,
      roles: node.roles,
      labels: node.labels,
    });
  }
  return nodes;
}

export function fleetOf(config: Config, environment: string, plan: Plan): Fleet {
  const nodes = nodeRefs(config, environment);
  const env = own(config.environments, environment)!;
  return {
    nodes,
    context: {
      roles: new Map(env.nodes.map((node) => [node.name, node.roles])),
      unavailable: unavailableLimits(plan.strategy, env.nodes),
      after: new Map(Object.entries(config.services).map(([service, spec]) => [service, spec.after])),
      hosts: new Map(env.nodes.map((node) => [node.name, node.host])),
    },
  };
}

/** A `version` output that names the target: the release or its commit, or the pinned commit. */
export function atTarget(config: Config) {
  return (snapshot: UpgradeSnapshot, version: string): boolean => {
    const plan = snapshot.upgrade.plan;
    return isTarget(version, {
      config,
      release: plan.release,
      from: plan.from,
      commit: plan.commit,
      fromCommit: plan.fromCommit,
      pinned: plan.pinned,
    });
  };
}

// What the engine derives from the config about one environment's fleet: node addresses,
// roles, availability limits, the dependency graph, and each unit's rendered commands.
import type { Config } from '../config/schema.js';
import type { DecideContext } from './context.js';
import { own } from './lookup.js';
import { availabilityKeys, unavailableLimits } from './plan.js';
import type { UpgradeSnapshot, VersionGate } from './ports.js';
import { classifyVersion, type VersionClass, versionGate } from './skew.js';
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
      jump: (node.jump === 'none' ? [] : (node.jump ?? config.ssh.jump)).map((hop) => ({
        host: hop.host,
        port: hop.port ?? 22,
        user: hop.user ?? config.ssh.user,
      })),
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
      roles: new Map(env.nodes.map((node) => [node.name, availabilityKeys(plan.strategy, node)])),
      unavailable: unavailableLimits(plan.strategy, env.nodes),
      after: new Map(Object.entries(config.services).map(([service, spec]) => [service, spec.after])),
      hosts: new Map(env.nodes.map((node) => [node.name, node.host])),
    },
  };
}

/** Resolves refs, and lists a range's commits when the deploy repository is there. */
export interface RangeSource {
  range?(fromRef: string, toRef: string): Promise<Array<{ sha: string }>>;
}

/** A range's commits from the deploy repository, listed once per range (empty without one). */
function rangeLister(repo: RangeSource | undefined) {
  const ranges = new Map<string, Promise<Set<string>>>();
  return (plan: Plan): Promise<Set<string>> => {
    if (!plan.fromCommit || !plan.commit || !repo?.range) return Promise.resolve(new Set());
    const key = `${plan.fromCommit}..${plan.commit}`;
    let found = ranges.get(key);
    if (!found) {
      found = repo.range(plan.fromCommit, plan.commit).then(
        (commits) => new Set(commits.map((commit) => commit.sha)),
        () => new Set<string>(),
      );
      ranges.set(key, found);
    }
    return found;
  };
}

const namesOf = (config: Config, plan: Plan, service: string) => ({
  config,
  service,
  release: plan.release,
  from: plan.from,
  commit: plan.commit,
  fromCommit: plan.fromCommit,
  pinned: plan.pinned,
});

/**
 * What a unit's `version` output means for the upgrade's plan (skew.ts `classifyVersion`). A
 * commit that is neither end of the range is looked up in the deploy repository, once per range.
 */
export function versionClassifier(config: Config, repo: RangeSource | undefined) {
  const rangeOf = rangeLister(repo);
  return async (snapshot: UpgradeSnapshot, service: string, version: string): Promise<VersionClass> => {
    const plan = snapshot.upgrade.plan;
    const names = namesOf(config, plan, service);
    const first = classifyVersion(version, names, new Set());
    if (first.at !== 'skew' || !/^[0-9a-f]{7,40}$/i.test(version.trim())) return first;
    return classifyVersion(version, names, await rangeOf(plan));
  };
}

/** The gate of a batched unit's script for the upgrade's plan (skew.ts `versionGate`). */
export function versionGates(config: Config, repo: RangeSource | undefined) {
  const rangeOf = rangeLister(repo);
  return async (snapshot: UpgradeSnapshot, service: string): Promise<VersionGate> => {
    const plan = snapshot.upgrade.plan;
    return versionGate(namesOf(config, plan, service), await rangeOf(plan));
  };
}

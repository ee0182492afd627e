// The planner: pure and deterministic. Same config, versions and options → same plan.
import type { Config, NodeConfig } from '../config/schema.js';
import { PlanRefusedError } from '../errors.js';
import type { StartOptions } from './api.js';
import { availabilityKey, groupByLabel, groupName } from './by-label.js';
import { planHooks } from './hooks.js';
import { own } from './lookup.js';
import { naturalCompare, naturalSort } from './natural.js';
import { checkSkew, isTarget } from './skew.js';
import { cumulativeWaves, resolveCount, resolveLimit, resolveStrategy } from './strategy.js';
import type { Plan, PlannedWave, SkippedUnit, StrategyOptions, UnitRef } from './types.js';

export interface PlanInput {
  config: Config;
  environment: string;
  release: string;
  options: StartOptions;
  /** Last observed versions: node → service → version (release name or commit sha). */
  versions: Map<string, Map<string, string>>;
  commit?: string | undefined;
  fromCommit?: string | undefined;
}

export function environmentOf(config: Config, name: string | undefined): string {
  const names = Object.keys(config.environments);
  if (name === undefined) {
    if (names.length === 1) return names[0]!;
    throw new PlanRefusedError(`say which environment: env=${names.join('|')}`);
  }
  if (!Object.hasOwn(config.environments, name))
    throw new PlanRefusedError(`unknown environment "${name}" (known: ${names.join(', ')})`);
  return name;
}

export function makePlan(input: PlanInput): Plan {
  const { config, environment, release } = input;
  const env = own(config.environments, environment);
  if (!env) throw new PlanRefusedError(`unknown environment "${environment}"`);
  const spec = own(config.releases.named, release);
  if (!spec)
    throw new PlanRefusedError(`unknown release "${release}" (known: ${config.releases.order.join(', ')})`);
  const from = spec.from ?? previousRelease(config.releases.order, release);
  const strategy = resolveStrategy(config, environment, input.options);
  checkAvailability(strategy);

  const order = serviceOrder(config, env.nodes);
  const pinned = input.options.commit !== undefined;
  const target = { ...input, pinned };
  const skipped: SkippedUnit[] = [];
  const pending = new Map<string, UnitRef[]>();
  for (const service of order) {
    const nodes = nodesOf(config, service, env.nodes, env.canary);
    const todo: UnitRef[] = [];
    for (const node of nodes) {
      const version = input.versions.get(node.name)?.get(service);
      if (version !== undefined && isTarget(version, target)) {
        skipped.push({
          service,
          node: node.name,
          version,
          why: `already at ${pinned ? (input.commit ?? '').slice(0, 7) : release}`,
        });
      } else todo.push({ service, node: node.name });
    }
    pending.set(service, todo);
  }
  const skew = checkSkew({
    config,
    environment,
    release,
    from,
    order,
    versions: input.versions,
    commit: input.commit,
    fromCommit: input.fromCommit,
  });
  const waves = planWaves(strategy, order, pending, config, env.nodes, env.canary);
  return {
    environment,
    release,
    from,
    commit: input.commit,
    fromCommit: input.fromCommit,
    pinned,
    strategy,
    order,
    waves,
    skipped,
    skew,
    notes: planNotes(strategy, env),
    hooks: planHooks(config, environment, order, waves),
  };
}

/** What `plan` says besides the waves: where the nodes came from, how `by` groups them. */
function planNotes(strategy: StrategyOptions, env: Config['environments'][string]): string[] {
  const notes: string[] = [];
  if (env.sources.length > 1 || env.sources[0]?.from !== 'nodes:')
    notes.push(`nodes: ${env.sources.map((source) => `${source.count} from ${source.from}`).join(', ')}`);
  const by = strategy.by;
  if (by !== undefined) {
    const canary = env.nodes.find((node) => node.name === env.canary)?.labels[by];
    const values = naturalSort(
      new Set(env.nodes.map((node) => node.labels[by]).filter((v): v is string => v !== undefined)),
    );
    const ordered = canary === undefined ? values : [canary, ...values.filter((v) => v !== canary)];
    const missing = env.nodes.filter((node) => node.labels[by] === undefined).map((node) => node.name);
    notes.push(
      `by ${by}: one value at a time — ${ordered.map((v) => (v === canary ? `${v} (the canary's)` : v)).join(', ') || 'no node has it'}${
        missing.length > 0
          ? `; then ${missing.length} node(s) without a ${by} label, last: ${naturalSort(missing).join(' ')}`
          : ''
      }`,
    );
  }
  return notes;
}

function previousRelease(order: string[], release: string): string | undefined {
  const index = order.indexOf(release);
  return index > 0 ? order[index - 1] : undefined;
}

/** Services with nodes in this environment, in `after:` order, ties by name. */
export function serviceOrder(config: Config, nodes: NodeConfig[]): string[] {
  const roles = new Set(nodes.flatMap((node) => node.roles));
  const present = Object.keys(config.services)
    .filter((service) => own(config.services, service)!.roles.some((role) => roles.has(role)))
    .sort();
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < present.length) {
    const ready = present.find(
      (service) =>
        !placed.has(service) &&
        own(config.services, service)!.after.every((dep) => placed.has(dep) || !present.includes(dep)),
    );
    if (!ready) throw new PlanRefusedError('the services’ after: graph has a cycle');
    order.push(ready);
    placed.add(ready);
  }
  return order;
}

function nodesOf(
  config: Config,
  service: string,
  nodes: NodeConfig[],
  canary: string | undefined,
): NodeConfig[] {
  const roles = own(config.services, service)!.roles;
  const mine = nodes
    .filter((node) => node.roles.some((role) => roles.includes(role)))
    .sort((a, b) => naturalCompare(a.name, b.name));
  const first = mine.findIndex((node) => node.name === canary);
  if (first > 0) mine.unshift(...mine.splice(first, 1));
  return mine;
}

function planWaves(
  strategy: StrategyOptions,
  order: string[],
  pending: Map<string, UnitRef[]>,
  config: Config,
  nodes: NodeConfig[],
  canary: string | undefined,
): PlannedWave[] {
  const waves: PlannedWave[] = [];
  const after = (service: string) => {
    const deps = own(config.services, service)!.after;
    return deps.length > 0 ? `after ${deps.join(', ')}` : 'no dependencies';
  };
  const by = strategy.by;
  if (strategy.kind === 'all-at-once' && by === undefined) {
    const units = order.flatMap((service) => pending.get(service) ?? []);
    if (units.length > 0) {
      waves.push({
        index: 0,
        service: order.filter((s) => (pending.get(s) ?? []).length > 0).join(','),
        units,
        why: 'all at once, in dependency order',
      });
    }
    return waves;
  }
  const labels = new Map(nodes.map((node) => [node.name, node.labels]));
  const canaryValue = by === undefined ? undefined : labels.get(canary ?? '')?.[by];
  for (const service of order) {
    const groups = groupByLabel(
      pending.get(service) ?? [],
      (unit) => (by === undefined ? undefined : labels.get(unit.node)?.[by]),
      canaryValue,
    );
    for (const group of groups) {
      const units = group.items;
      if (units.length === 0) continue;
      const where = by === undefined ? '' : ` ${groupName(by, group.value)}`;
      const sizes =
        strategy.kind === 'waves'
          ? cumulativeWaves(strategy.waves, units.length)
          : strategy.kind === 'all-at-once'
            ? [units.length]
            : rollingSizes(Math.max(1, resolveCount(strategy.batch, units.length)), units.length);
      let done = 0;
      sizes.forEach((size, index) => {
        const canaryWave = strategy.kind === 'waves' && index === 0 && sizes.length > 1;
        const label = canaryWave
          ? 'canary'
          : strategy.kind === 'waves'
            ? `wave ${index + 1}/${sizes.length}`
            : strategy.kind === 'all-at-once'
              ? 'all at once'
              : `batch ${index + 1}/${sizes.length}`;
        waves.push({
          index: waves.length,
          service,
          units: units.slice(done, size),
          why: `${service}${where} ${label}; ${after(service)}${group.value === undefined && by !== undefined ? ` (nodes without a ${by} label go last)` : ''}`,
        });
        done = size;
      });
    }
  }
  return waves;
}

function rollingSizes(batch: number, total: number): number[] {
  const sizes: number[] = [];
  for (let done = batch; done < total + batch; done += batch) sizes.push(Math.min(done, total));
  return sizes;
}

/**
 * A percentage floor rounds down but always lets one node of a role go (25% of two
 * controllers is one at a time); only an explicit 0 would stop every upgrade, and is refused.
 */
function checkAvailability(strategy: StrategyOptions): void {
  if (strategy.maxUnavailable === 0) {
    throw new PlanRefusedError(
      'maxUnavailable 0 allows no node to be upgraded; set it to at least 1 (or a percentage)',
    );
  }
}

/**
 * Per role (per role and label value with `strategy.by`): how many of its nodes may be out of
 * service at once (Infinity when unlimited). Keys as availabilityKey makes them.
 */
export function unavailableLimits(strategy: StrategyOptions, nodes: NodeConfig[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of nodes)
    for (const key of availabilityKeys(strategy, node)) counts.set(key, (counts.get(key) ?? 0) + 1);
  const limits = new Map<string, number>();
  for (const [key, total] of counts) {
    limits.set(
      key,
      strategy.maxUnavailable === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(1, resolveLimit(strategy.maxUnavailable, total)),
    );
  }
  return limits;
}

/** The availability keys a node counts against: its roles, within its label value under `by`. */
export function availabilityKeys(strategy: StrategyOptions, node: NodeConfig): string[] {
  const value = strategy.by === undefined ? undefined : node.labels[strategy.by];
  return node.roles.map((role) => availabilityKey(role, strategy.by, value));
}

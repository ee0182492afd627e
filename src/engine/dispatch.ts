// Which units may start now, and why the others wait: dependencies (every unit of the
// services a unit comes `after` done or skipped), concurrency, and the availability floor
// per role (`maxUnavailable`). Pure: decide.ts and rollback.ts call it on a Draft.
import type { DecideContext } from './context.js';
import type { Draft } from './draft.js';
import type { UnitRecord } from './ports.js';
import type { Phase } from './types.js';

export interface Dispatch {
  unitId: number;
  kind: 'upgrade' | 'rollback';
  /** Re-run after an interruption: probe `version` first, never upgrade twice. */
  resume: boolean;
  /** Start from this phase (a retry re-runs from the failed phase). */
  fromPhase: Phase | null;
}

const FINISHED = ['done', 'at_target', 'skipped'];

/**
 * A unit that holds its node out of service: running, rolling back, or failed once its node
 * may be drained (a unit that failed its `version` probe or never reached its node was not).
 */
export const holdsNode = (unit: UnitRecord): boolean =>
  unit.state === 'running' ||
  unit.state === 'rollback_failed' ||
  (unit.state === 'failed' && unit.phase !== null && unit.phase !== 'version') ||
  (unit.state === 'rolling_back' && unit.phase === 'rollback');

export const isActive = (unit: UnitRecord): boolean =>
  unit.state === 'running' || (unit.state === 'rolling_back' && unit.phase === 'rollback');

/** The units of the services `unit` comes after (this upgrade's). */
export function prerequisites(draft: Draft, unit: UnitRecord, context: DecideContext): UnitRecord[] {
  const after = context.after.get(unit.service) ?? [];
  const found: UnitRecord[] = [];
  if (after.length === 0) return found;
  for (const other of draft.units.values()) if (after.includes(other.service)) found.push(other);
  return found;
}

export type Dependency = 'ready' | 'waiting' | UnitRecord[];

/**
 * `dependencyOf` for many units of one decision, once per service: a unit's prerequisites are
 * its service's. Valid while the only changes to the draft are units going from pending to
 * running (as dispatching does): that never turns a service's answer from or to `ready`
 * (a pending prerequisite already makes it `waiting`). Without it, a decision over a wave of
 * 10,000 pending units read every unit once per unit.
 */
export function dependencies(draft: Draft, context: DecideContext): (unit: UnitRecord) => Dependency {
  const known = new Map<string, Dependency>();
  return (unit) => {
    let found = known.get(unit.service);
    if (found === undefined) {
      found = dependencyOf(draft, unit, context);
      known.set(unit.service, found);
    }
    return found;
  };
}

/** ready: every prerequisite finished; waiting: some still pending or running; else the failed ones. */
export function dependencyOf(draft: Draft, unit: UnitRecord, context: DecideContext): Dependency {
  const before = prerequisites(draft, unit, context);
  if (before.every((other) => FINISHED.includes(other.state))) return 'ready';
  if (before.some((other) => other.state === 'pending' || other.state === 'running')) return 'waiting';
  return before.filter((other) => !FINISHED.includes(other.state));
}

export type Down = Map<string, Set<string>>;

export function unavailableByRole(units: Iterable<UnitRecord>, context: DecideContext): Down {
  const down: Down = new Map();
  for (const unit of units) if (holdsNode(unit)) markDown(unit.node, down, context);
  return down;
}

export function markDown(node: string, down: Down, context: DecideContext): void {
  for (const role of context.roles.get(node) ?? []) {
    const set = down.get(role) ?? new Set<string>();
    set.add(node);
    down.set(role, set);
  }
}

/** Roles of `node` whose floor taking it out would break (empty: it fits). */
export function fullRoles(node: string, down: Down, context: DecideContext): string[] {
  return (context.roles.get(node) ?? []).filter((role) => {
    const set = down.get(role);
    if (set?.has(node)) return false;
    return (set?.size ?? 0) >= (context.unavailable.get(role) ?? Number.POSITIVE_INFINITY);
  });
}

/** Pending units among `units` that may start now; marks them running in the draft. */
export function dispatchable(
  draft: Draft,
  units: UnitRecord[],
  context: DecideContext,
  now: Date,
): Dispatch[] {
  const all = [...draft.units.values()];
  let capacity = draft.snapshot.upgrade.plan.strategy.concurrency - all.filter(isActive).length;
  const down = unavailableByRole(all, context);
  let nextSeq = Math.max(0, ...all.map((unit) => unit.startedSeq ?? 0)) + 1;
  const found: Dispatch[] = [];
  const dependency = dependencies(draft, context);
  for (const unit of units) {
    if (capacity <= 0) break;
    if (unit.state !== 'pending') continue;
    if (dependency(unit) !== 'ready') continue;
    if (fullRoles(unit.node, down, context).length > 0) continue;
    // A unit that ran before (a retry of an interrupted or unreachable unit) probes its version
    // first: found at the target after a drain, it runs health and undrain.
    const resume = unit.attempts > 0 && unit.phase === null;
    draft.setUnit(unit.id, {
      state: 'running',
      startedAt: now,
      startedSeq: nextSeq,
      attempts: unit.attempts + 1,
    });
    nextSeq += 1;
    markDown(unit.node, down, context);
    capacity -= 1;
    found.push({ unitId: unit.id, kind: 'upgrade', resume, fromPhase: unit.phase });
  }
  return found;
}

const nodeList = (units: UnitRecord[]) => [...new Set(units.map((unit) => unit.node))].join(', ');

/**
 * Why pending `units` cannot start while nothing runs: failed prerequisites that `maxFailures`
 * tolerated, or failed nodes holding a role's availability floor. Undefined when one can start
 * (or none is pending).
 */
export function stuckReason(draft: Draft, units: UnitRecord[], context: DecideContext): string | undefined {
  const pending = units.filter((unit) => unit.state === 'pending');
  if (pending.length === 0) return undefined;
  const down = unavailableByRole(draft.units.values(), context);
  const waits = new Map<string, UnitRecord[]>();
  const floors = new Map<string, UnitRecord[]>();
  const dependencyOfUnit = dependencies(draft, context);
  for (const unit of pending) {
    const dependency = dependencyOfUnit(unit);
    if (dependency === 'waiting') continue;
    if (dependency !== 'ready') {
      // The same failed prerequisites for every unit of the service.
      waits.set(unit.service, dependency);
      continue;
    }
    const full = fullRoles(unit.node, down, context);
    if (full.length === 0) return undefined;
    for (const role of full) {
      const holders = [...draft.units.values()].filter(
        (other) => holdsNode(other) && (context.roles.get(other.node) ?? []).includes(role),
      );
      floors.set(role, holders);
    }
  }
  const parts: string[] = [];
  for (const [service, failed] of waits) {
    const by = [...new Set(failed.map((unit) => unit.service))].join(', ');
    const units = failed.map((unit) => `${unit.service} on ${unit.node}`);
    parts.push(`${service} waits for ${by}: ${[...new Set(units)].join(', ')} failed`);
  }
  for (const [role, holders] of floors)
    parts.push(
      `no ${role} node may go out of service while ${nodeList(holders)} stay(s) failed (maxUnavailable)`,
    );
  if (parts.length === 0) return undefined;
  const nodes = nodeList([...waits.values(), ...floors.values()].flat().filter((u) => u.state === 'failed'));
  return `${parts.join('; ')}. \`retry <node>\` or \`skip <node>\` (${nodes}) to go on`;
}

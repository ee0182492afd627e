// The engine against an in-memory fleet: the pure `decide` and `applyVerb`, the real `runUnit`
// running phases on fake nodes (a NodeRunner whose sessions act on node state), a fake clock,
// and a driver loop that can crash (in-flight units die mid-way) or stall (another driver
// takes over while the old one's phases finish, their results fenced off). Hooks run with the
// real `runHookCommand` on the same fake nodes. Every step is checked against the named
// invariants (the Violation's name).
import type { Config } from '../../../src/config/schema.js';
import { applyChange } from '../../../src/engine/apply.js';
import { commandFor } from '../../../src/engine/commands.js';
import type { DecideContext } from '../../../src/engine/context.js';
import { type Decision, decide, type Observations, type UnitOutcome } from '../../../src/engine/decide.js';
import type { Dispatch } from '../../../src/engine/dispatch.js';
import { fleetOf, versionClassifier } from '../../../src/engine/fleet.js';
import type {
  Change,
  HookRecord,
  NodeRunner,
  NodeSession,
  UpgradeSnapshot,
} from '../../../src/engine/ports.js';
import { passed, runHookCommand } from '../../../src/engine/run-hook.js';
import { runUnit } from '../../../src/engine/run-unit.js';
import type { Actor, NodeRef, Phase, PhaseResult, Plan } from '../../../src/engine/types.js';
import { applyVerb, type VerbRequest } from '../../../src/engine/verbs.js';
import { RefusedError } from '../../../src/errors.js';
import { snapshotOf } from '../../support/snapshot.js';
import type { FleetSpec } from './fleet.js';

export const OPERATOR: Actor = { id: 'cli:ops@model', platform: 'cli', name: 'ops' };

interface NodeState {
  version: string;
  drained: boolean;
  /** `upgrade` runs that deployed the target. */
  upgrades: number;
  /** Runs of each phase so far: behaviours that fail `until` runs pass from the next. */
  runs: Partial<Record<Phase, number>>;
}

type HookOutcome = NonNullable<Observations['hookResults']>[number];

export class Violation extends Error {
  constructor(property: string, detail: string) {
    super(`${property}: ${detail}`);
    this.name = property;
  }
}

const ok = (stdout = ''): PhaseResult => ({
  exitCode: 0,
  signal: null,
  stdoutTail: stdout,
  stderrTail: '',
  durationMs: 1,
  interrupted: null,
});
const fail = (code: number, why: string): PhaseResult => ({ ...ok(), exitCode: code, stderrTail: why });
const dropped = (): PhaseResult => ({ ...ok(), exitCode: null, interrupted: 'connection' });

export class Sim {
  readonly config: Config;
  readonly plan: Plan;
  readonly context: DecideContext;
  readonly nodes: Map<string, NodeRef>;
  snapshot: UpgradeSnapshot;
  now = new Date('2030-01-01T00:00:00Z');
  readonly state = new Map<string, NodeState>();
  /** Units dispatched and not finished: what this driver runs. */
  readonly jobs = new Map<number, Dispatch>();
  results: UnitOutcome[] = [];
  /** Hook runs started and not finished, and the outcomes of those that finished. */
  readonly hookJobs = new Set<number>();
  hookResults: HookOutcome[] = [];
  /** Runs of each hook (`pre@s0`) on the fleet. */
  readonly hookRuns = new Map<string, number>();
  /** Per unit: upgrades allowed (1, plus one per accepted retry). */
  readonly allowed = new Map<number, number>();
  readonly seenStates = new Set<string>();
  private failureId = 1;
  private connects = new Map<string, number>();
  private readonly classify: ReturnType<typeof versionClassifier>;

  constructor(
    readonly spec: FleetSpec,
    built: { config: Config; plan: Plan },
  ) {
    this.config = built.config;
    this.plan = built.plan;
    const fleet = fleetOf(this.config, 'lab', this.plan);
    this.context = fleet.context;
    this.nodes = fleet.nodes;
    this.classify = versionClassifier(this.config, undefined);
    for (const [key, version] of Object.entries(spec.version))
      this.state.set(key, { version, drained: false, upgrades: 0, runs: {} });
    const initial = snapshotOf(this.plan);
    this.snapshot = {
      ...initial,
      upgrade: { ...initial.upgrade, reason: 'started by ops', createdAt: this.now, updatedAt: this.now },
    };
    for (const unit of this.snapshot.units) this.allowed.set(unit.id, 1);
  }

  private commit(change: Change): void {
    const fresh = (change.failures ?? []).filter((f) => f.id === undefined);
    const ids = fresh.map(() => this.failureId++);
    this.snapshot = applyChange(this.snapshot, change, ids, this.now);
    this.seenStates.add(this.snapshot.upgrade.state);
  }

  /** One decision of the driver: observations in, change committed, dispatches started. */
  tick(): Decision {
    const results = this.results;
    this.results = [];
    // Attribution: every attributable failure gets an (unknown) culprit by the next decision.
    const culprits = this.snapshot.failures
      .filter((f) => f.culprit === null && (f.kind === 'phase' || f.kind === 'hook'))
      .map((f) => ({
        failureId: f.id,
        culprit: {
          how: 'unknown' as const,
          sha: null,
          shortSha: null,
          subject: null,
          authorName: null,
          authorEmail: null,
          probes: 0,
          suspects: [],
          note: 'model',
        },
      }));
    const hookResults = this.hookResults;
    this.hookResults = [];
    const decision = decide(
      this.snapshot,
      {
        inFlight: new Set(this.jobs.keys()),
        results,
        culprits,
        hooksInFlight: new Set(this.hookJobs),
        hookResults,
      },
      this.context,
      this.now,
    );
    const before = this.snapshot;
    if (decision.change) this.commit(decision.change);
    for (const job of decision.dispatch) {
      checkDispatch(this, before, job);
      this.jobs.set(job.unitId, job);
    }
    for (const id of decision.hooks) {
      checkHookStart(this, this.hook(id));
      this.hookJobs.add(id);
    }
    checkFloor(this);
    if (decision.wakeAt && this.jobs.size === 0) this.now = decision.wakeAt;
    return decision;
  }

  /** Runs a unit's phases on its node: the real runUnit over the fake fleet. */
  async run(unitId: number, cutAfter?: number): Promise<UnitOutcome> {
    const job = this.jobs.get(unitId)!;
    this.jobs.delete(unitId);
    const unit = this.snapshot.units.find((u) => u.id === unitId)!;
    return runUnit(
      { unit, node: this.nodes.get(unit.node)!, plan: this.snapshot.upgrade.plan, dispatch: job },
      {
        runner: this.runner(cutAfter),
        store: { recordPhase: async () => undefined },
        command: commandFor(this.config),
        now: () => this.now,
        classify: (version) => this.classify(this.snapshot, unit.service, version),
      },
    );
  }

  /** A unit finishes and its result reaches the driver. */
  async complete(unitId: number): Promise<void> {
    this.results.push(await this.run(unitId));
  }

  hook(id: number): HookRecord {
    return this.snapshot.hooks.find((hook) => hook.id === id)!;
  }

  /** Runs a hook on its node (the real runHookCommand over the fake fleet). */
  async runHook(id: number): Promise<HookOutcome> {
    this.hookJobs.delete(id);
    const hook = this.hook(id);
    const result = await runHookCommand(
      this.config,
      this.runner(undefined),
      this.snapshot.upgrade.plan,
      hook,
      this.nodes.get(hook.node)!,
    );
    return { hookId: id, ok: passed(result), result, finishedAt: this.now };
  }

  /** A hook finishes and its outcome reaches the driver. */
  async completeHook(id: number): Promise<void> {
    this.hookResults.push(await this.runHook(id));
  }

  /** The driver dies: each unit in flight stops after a few phases, a hook in flight ran or not; nothing is reported. */
  async crash(cut: number): Promise<void> {
    for (const id of [...this.jobs.keys()]) await this.run(id, cut).catch(() => undefined);
    for (const id of [...this.hookJobs]) {
      if (cut > 0) await this.runHook(id);
      this.hookJobs.delete(id);
    }
    this.results = [];
    this.hookResults = [];
  }

  /** The driver stalls and another takes over: the old one's phases and hooks end, their results are fenced off. */
  async stall(): Promise<void> {
    for (const id of [...this.jobs.keys()]) await this.run(id);
    for (const id of [...this.hookJobs]) await this.runHook(id);
    this.results = [];
    this.hookResults = [];
  }

  verb(request: VerbRequest): 'acted' | 'refused' {
    try {
      const change = applyVerb(this.snapshot, request, OPERATOR, this.now, this.spec.requireAck);
      if (request.verb === 'retry') {
        for (const unit of this.snapshot.units)
          if (unit.node === request.node && unit.state === 'failed')
            this.allowed.set(unit.id, (this.allowed.get(unit.id) ?? 1) + 1);
      }
      this.commit(change);
      return 'acted';
    } catch (error) {
      if (error instanceof RefusedError && error.message.length > 0) return 'refused';
      throw new Violation('verbs act or are refused with a reason', `${request.verb}: ${String(error)}`);
    }
  }

  private runner(cutAfter: number | undefined): NodeRunner {
    let ran = 0;
    const sim = this;
    return {
      async open(node) {
        const tries = (sim.connects.get(node.name) ?? 0) + 1;
        sim.connects.set(node.name, tries);
        const unreachable = sim.spec.services.some((s) => {
          const b = sim.spec.behaviour[`${s.name}@${node.name}`];
          return b?.kind === 'unreachable' && tries <= b.until;
        });
        if (unreachable) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        const session: NodeSession = {
          async run(command) {
            ran += 1;
            if (cutAfter !== undefined && ran > cutAfter) return dropped();
            if (command.phase === 'hook') return sim.executeHook(command.text);
            return sim.execute(node.name, command.phase, command.text);
          },
          async close() {},
        };
        return session;
      },
      async close() {},
    };
  }

  /** `hook pre 's0'`: fails its first runs as the fleet says. */
  executeHook(text: string): PhaseResult {
    const [, name, service] = /^hook (\w+) '([^']+)'$/.exec(text) ?? [];
    const spec = this.spec.services.find((s) => s.name === service)?.hooks;
    const failsUntil = spec?.[name as 'pre' | 'post' | 'rollback'];
    if (failsUntil === undefined) throw new Error(`unexpected hook: ${text}`);
    const key = `${name}@${service}`;
    const runs = (this.hookRuns.get(key) ?? 0) + 1;
    this.hookRuns.set(key, runs);
    return runs <= failsUntil ? fail(1, 'migration failed') : ok();
  }

  private execute(node: string, phase: Phase, text: string): PhaseResult {
    const service = /'([^']+)'/.exec(text)?.[1] ?? '';
    const key = `${service}@${node}`;
    const state = this.state.get(key)!;
    const behaviour = this.spec.behaviour[key] ?? { kind: 'ok' };
    const runs = (state.runs[phase] ?? 0) + 1;
    state.runs[phase] = runs;
    switch (phase) {
      case 'version':
        return ok(`${state.version}\n`);
      case 'drain':
        state.drained = true;
        return ok();
      case 'upgrade': {
        if (!['grizzly', 'havana'].includes(state.version))
          throw new Violation('no unit upgraded across a release it skips', `${key} runs ${state.version}`);
        if (behaviour.kind === 'upgrade-fails' && runs <= behaviour.until) return fail(2, 'package conflict');
        state.upgrades += 1;
        state.version = 'havana';
        return ok();
      }
      case 'health': {
        if (behaviour.kind === 'drops-in-health' && runs <= behaviour.until) return dropped();
        if (behaviour.kind === 'health-fails' && runs <= behaviour.until) return fail(1, 'not responding');
        return ok();
      }
      case 'undrain':
        state.drained = false;
        return ok();
      case 'rollback':
        if (behaviour.kind === 'rollback-fails') return fail(3, 'rollback failed');
        state.version = 'grizzly';
        return ok();
    }
  }
}

const FINISHED = ['done', 'at_target', 'skipped'];

/** Dependency order (and its reverse during rollback) at the moment of each dispatch. */
function checkDispatch(sim: Sim, before: UpgradeSnapshot, job: Dispatch): void {
  const units = sim.snapshot.units;
  const unit = units.find((u) => u.id === job.unitId)!;
  if (job.kind === 'upgrade') {
    const pre = sim.snapshot.hooks.find((h) => h.name === 'pre' && h.service === unit.service);
    if (pre && pre.state !== 'done' && pre.state !== 'skipped')
      throw new Violation(
        'a service’s pre hook ends before its first unit',
        `${unit.service}@${unit.node} dispatched while its pre hook is ${pre.state}`,
      );
    const after = sim.context.after.get(unit.service) ?? [];
    const blocking = units.filter((u) => after.includes(u.service) && !FINISHED.includes(u.state));
    if (blocking.length > 0 && !job.resume)
      throw new Violation(
        'dependency order',
        `${unit.service}@${unit.node} dispatched while ${blocking.map((u) => `${u.service}@${u.node} ${u.state}`).join(', ')}`,
      );
    return;
  }
  if (before.upgrade.state !== 'rolling_back' && sim.snapshot.upgrade.state !== 'rolling_back') return;
  const dependents = [...sim.context.after]
    .filter(([, after]) => after.includes(unit.service))
    .map(([s]) => s);
  const busy = units.filter(
    (u) =>
      u.id !== unit.id &&
      dependents.includes(u.service) &&
      (u.state === 'running' || u.state === 'rolling_back'),
  );
  if (busy.length > 0)
    throw new Violation(
      'reverse dependency order during rollback',
      `${unit.service}@${unit.node} rolled back while ${busy.map((u) => `${u.service}@${u.node} ${u.state}`).join(', ')}`,
    );
}

/**
 * A `post` hook starts only when the upgrade runs and every unit is done, after the post hooks
 * of the services that come after its service; a `pre` hook before any unit of its service moved.
 */
function checkHookStart(sim: Sim, hook: HookRecord): void {
  const { units, upgrade, hooks } = sim.snapshot;
  if (hook.name === 'pre') {
    // Skipped by an operator, or found at the target: the node's service was not touched.
    const moved = units.filter(
      (u) => u.service === hook.service && !['pending', 'skipped', 'at_target'].includes(u.state),
    );
    if (moved.length > 0)
      throw new Violation(
        'a service’s pre hook ends before its first unit',
        `pre hook of ${hook.service} started after ${moved.map((u) => `${u.service}@${u.node} ${u.state}`).join(', ')}`,
      );
  }
  if (hook.name !== 'post') return;
  const undone = units.filter((u) => u.state !== 'done' && u.state !== 'at_target');
  if (upgrade.state !== 'running' || undone.length > 0)
    throw new Violation(
      'post hooks run only when the whole upgrade completed',
      `post hook of ${hook.service} started with the upgrade ${upgrade.state}${
        undone.length ? `, ${undone.map((u) => `${u.service}@${u.node} ${u.state}`).join(', ')} not done` : ''
      }`,
    );
  const dependents = [...sim.context.after]
    .filter(([, after]) => after.includes(hook.service!))
    .map(([s]) => s);
  const pending = hooks.filter(
    (h) =>
      h.name === 'post' && dependents.includes(h.service!) && h.state !== 'done' && h.state !== 'skipped',
  );
  if (pending.length > 0)
    throw new Violation(
      'post hooks in reverse dependency order',
      `post hook of ${hook.service} started before that of ${pending.map((h) => h.service).join(', ')}`,
    );
}

/** The availability floor per role: nodes with a unit in flight, per role, within maxUnavailable. */
function checkFloor(sim: Sim): void {
  const busy = new Map<string, Set<string>>();
  for (const id of sim.jobs.keys()) {
    const unit = sim.snapshot.units.find((u) => u.id === id)!;
    for (const role of sim.context.roles.get(unit.node) ?? []) {
      const set = busy.get(role) ?? new Set<string>();
      set.add(unit.node);
      busy.set(role, set);
    }
  }
  for (const [role, nodes] of busy) {
    const limit = sim.context.unavailable.get(role) ?? Number.POSITIVE_INFINITY;
    if (nodes.size > limit)
      throw new Violation('availability floor', `${nodes.size} ${role} nodes out at once (limit ${limit})`);
  }
}

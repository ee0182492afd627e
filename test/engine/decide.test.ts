import { describe, expect, it } from 'vitest';
import type { StartOptions } from '../../src/engine/api.js';
import { type DecideContext, decide, type Observations, type UnitOutcome } from '../../src/engine/decide.js';
import { fleetOf } from '../../src/engine/fleet.js';
import { makePlan } from '../../src/engine/plan.js';
import type { UpgradeSnapshot } from '../../src/engine/ports.js';
import { applyVerb } from '../../src/engine/verbs.js';
import { type FleetSpec, openstackConfig } from '../support/config.js';
import { applyChange, snapshotOf } from '../support/snapshot.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);
const ops = { id: 'cli:ops@host', platform: 'cli' as const, name: 'ops' };

function setup(spec: FleetSpec = {}, options: StartOptions = {}) {
  const config = openstackConfig(spec);
  const plan = makePlan({ config, environment: 'lab', release: 'havana', options, versions: new Map() });
  return { snapshot: snapshotOf(plan), context: fleetOf(config, 'lab', plan).context };
}

const idle = (inFlight: number[] = []): Observations => ({
  inFlight: new Set(inFlight),
  results: [],
  culprits: [],
});

function ok(unitId: number, at = T0): UnitOutcome {
  return {
    unitId,
    kind: 'upgrade',
    outcome: 'done',
    phase: null,
    result: null,
    versionBefore: 'grizzly',
    versionAfter: 'havana',
    finishedAt: at,
  };
}
function failed(unitId: number, output = 'health check failed: nova-compute not responding'): UnitOutcome {
  return {
    unitId,
    kind: 'upgrade',
    outcome: 'failed',
    phase: 'health',
    result: {
      exitCode: 1,
      signal: null,
      stdoutTail: output,
      stderrTail: '',
      durationMs: 5,
      interrupted: null,
    },
    versionBefore: 'grizzly',
    versionAfter: null,
    finishedAt: T0,
  };
}

/** One decision applied: returns the next snapshot and what was dispatched. */
function step(snapshot: UpgradeSnapshot, context: DecideContext, obs: Observations, now = T0) {
  const decision = decide(snapshot, obs, context, now);
  return { next: decision.change ? applyChange(snapshot, decision.change) : snapshot, decision };
}

/** Runs the rollout to rest, finishing every dispatched unit with `outcome(unitId)`. */
function runToRest(
  start: UpgradeSnapshot,
  context: DecideContext,
  outcome: (id: number, s: UpgradeSnapshot) => UnitOutcome,
  now = T0,
) {
  let snapshot = start;
  let pending: UnitOutcome[] = [];
  const order: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const { next, decision } = step(
      snapshot,
      context,
      { inFlight: new Set(), results: pending, culprits: [] },
      now,
    );
    order.push(...decision.dispatch.map((d) => d.unitId));
    pending = decision.dispatch.map((d) => outcome(d.unitId, next));
    snapshot = next;
    if (!decision.change && decision.dispatch.length === 0) break;
  }
  return { snapshot, order };
}

describe('decide: the rollout state machine', () => {
  it('starts a planned upgrade and dispatches the first wave within concurrency', () => {
    const { snapshot, context } = setup({ computes: 8 }, { strategy: 'all-at-once' });
    const { next, decision } = step(snapshot, context, idle());
    expect(next.upgrade.state).toBe('running');
    expect(next.waves[0]!.state).toBe('running');
    // concurrency 4, and nova-api waits for keystone: only the two keystone units may start.
    expect(decision.dispatch.map((d) => next.units.find((u) => u.id === d.unitId)!.service)).toEqual([
      'keystone',
      'keystone',
    ]);
    expect(decision.change!.events.map((e) => e.type)).toEqual(['upgrade.started', 'wave.started']);
  });

  it('waits at the gate after a wave and goes on with step', () => {
    const { snapshot, context } = setup();
    const { snapshot: gated } = runToRest(snapshot, context, (id) => ok(id));
    expect(gated.upgrade.state).toBe('running');
    expect(gated.waves[0]!.state).toBe('gated');
    expect(gated.upgrade.reason).toContain('waiting for `step`');
    const stepped = applyChange(gated, applyVerb(gated, { verb: 'step' }, ops, T0, false));
    expect(stepped.upgrade.currentWave).toBe(1);
    const { decision } = step(stepped, context, idle());
    expect(decision.dispatch).toHaveLength(1);
  });

  it('advances by itself after the soak when auto, and completes after the last wave', () => {
    const { snapshot, context } = setup({ strategy: '{ kind: rolling, soak: 60s, auto: true }' });
    const { snapshot: soaking } = runToRest(snapshot, context, (id) => ok(id));
    expect(soaking.waves[0]!.state).toBe('soaking');
    const early = decide(soaking, idle(), context, later(30));
    expect(early.dispatch).toHaveLength(0);
    expect(early.wakeAt).toEqual(later(60));
    let s = soaking;
    for (let t = 60; s.upgrade.state === 'running' && t < 6000; t += 60)
      s = runToRest(s, context, (id) => ok(id), later(t)).snapshot;
    expect(s.upgrade.state).toBe('completed');
    expect(s.units.every((u) => u.state === 'done')).toBe(true);
  });

  it('fails fast: no new dispatch after maxFailures, in-flight units finish, then pauses with the reason', () => {
    const { snapshot, context } = setup({ computes: 8 }, { strategy: 'all-at-once' });
    let s = snapshot;
    // Finish controllers.
    s = runToRest(s, context, (id, cur) =>
      cur.units.find((u) => u.id === id)!.service === 'nova-compute' ? failed(id) : ok(id),
    ).snapshot;
    expect(s.upgrade.state).toBe('paused');
    expect(s.upgrade.reason).toMatch(/failed \(maxFailures 0\): cmp-\d failed health \(exit 1\)/);
    expect(s.upgrade.pausedBy).toBe('failures');
    const computes = s.units.filter((u) => u.service === 'nova-compute');
    // Four were in flight together (concurrency 4) when the first failure was seen; none started after.
    expect(computes.filter((u) => u.state === 'failed')).toHaveLength(4);
    expect(computes.filter((u) => u.state === 'pending')).toHaveLength(4);
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]!.nodes).toHaveLength(4);
    expect(decide(s, idle(), context, T0).dispatch).toHaveLength(0);
  });

  it('groups failures by fingerprint: nodes failing the same way share one failure', () => {
    const { snapshot, context } = setup({ computes: 2 }, { strategy: 'all-at-once' });
    let s = runToRest(snapshot, context, (id, cur) =>
      cur.units.find((u) => u.id === id)!.service === 'nova-compute'
        ? failed(id, `cmp boom at ${id}`)
        : ok(id),
    ).snapshot;
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]!.nodes.sort()).toEqual(['cmp-1', 'cmp-2']);
    const other = setup({ computes: 2 }, { strategy: 'all-at-once' });
    s = runToRest(other.snapshot, other.context, (id, cur) =>
      cur.units.find((u) => u.id === id)!.node === 'cmp-1'
        ? failed(id, 'disk full')
        : cur.units.find((u) => u.id === id)!.node === 'cmp-2'
          ? failed(id, 'segfault')
          : ok(id),
    ).snapshot;
    expect(s.failures).toHaveLength(2);
  });

  it('a pause ends by itself after retries only when failures caused it, whatever its reason says', () => {
    const { snapshot, context } = setup({ computes: 2 }, { strategy: 'all-at-once' });
    const paused = runToRest(snapshot, context, (id, cur) =>
      cur.units.find((u) => u.id === id)!.node === 'cmp-1' ? failed(id) : ok(id),
    ).snapshot;
    expect(paused.upgrade).toMatchObject({ state: 'paused', pausedBy: 'failures' });
    const afterRetry = (cause: 'failures' | 'operator', reason: string) => {
      let s: UpgradeSnapshot = { ...paused, upgrade: { ...paused.upgrade, pausedBy: cause, reason } };
      s = applyChange(s, applyVerb(s, { verb: 'retry', node: 'cmp-1' }, ops, T0, false));
      const { decision, next } = step(s, context, idle());
      expect(decision.dispatch).toHaveLength(1);
      return step(next, context, {
        inFlight: new Set(),
        results: [ok(decision.dispatch[0]!.unitId)],
        culprits: [],
      }).next.upgrade;
    };
    // The retried node was the wave's last: the upgrade goes on, here straight to its end.
    expect(afterRetry('failures', 'wave 2: something')).toMatchObject({ state: 'completed', pausedBy: null });
    expect(afterRetry('operator', 'paused by ops (maxFailures looked fine)').state).toBe('paused');
    // The operator's own pause is recorded as such.
    const running = { ...paused, upgrade: { ...paused.upgrade, state: 'running' as const, pausedBy: null } };
    expect(applyChange(running, applyVerb(running, { verb: 'pause' }, ops, T0, false)).upgrade.pausedBy).toBe(
      'operator',
    );
  });

  it('retry re-runs the node from its failed phase and the upgrade goes on', () => {
    const { snapshot, context } = setup({ computes: 2 });
    let s = snapshot;
    let broken = true;
    for (let i = 0; i < 20 && s.upgrade.state !== 'completed'; i += 1) {
      s = runToRest(s, context, (id, cur) =>
        broken && cur.units.find((u) => u.id === id)!.node === 'cmp-1' ? failed(id) : ok(id),
      ).snapshot;
      if (s.upgrade.state === 'paused') {
        broken = false;
        s = applyChange(s, applyVerb(s, { verb: 'retry', node: 'cmp-1' }, ops, T0, false));
        // Still paused: only the retried node runs, from its failed phase.
        expect(s.upgrade.state).toBe('paused');
        const { decision, next } = step(s, context, idle());
        expect(decision.dispatch).toHaveLength(1);
        expect(decision.dispatch[0]!.fromPhase).toBe('health');
        // Once it passes and nothing else holds the wave, the upgrade goes on.
        const after = step(next, context, {
          inFlight: new Set(),
          results: [ok(decision.dispatch[0]!.unitId)],
          culprits: [],
        }).next;
        expect(after.upgrade.state).toBe('running');
        s = after;
      } else if (s.waves[s.upgrade.currentWave]?.state === 'gated') {
        s = applyChange(s, applyVerb(s, { verb: 'step' }, ops, T0, false));
      }
    }
    expect(s.upgrade.state).toBe('completed');
    expect(s.failures[0]!.state).toBe('resolved');
  });

  it('a retry after the release branch moved deploys the fixing commit from the upgrade phase', () => {
    const { snapshot, context } = setup({ computes: 1 });
    const moved = {
      ...snapshot,
      upgrade: { ...snapshot.upgrade, plan: { ...snapshot.upgrade.plan, commit: 'a'.repeat(40) } },
    };
    let s = runToRest(moved, context, (id) => failed(id)).snapshot;
    expect(s.upgrade.state).toBe('paused');
    s = applyChange(
      s,
      applyVerb(s, { verb: 'retry', node: 'ctl-1', commit: 'b'.repeat(40) }, ops, T0, false),
    );
    expect(s.upgrade.plan.commit).toBe('b'.repeat(40));
    expect(step(s, context, idle()).decision.dispatch[0]).toMatchObject({
      fromPhase: 'upgrade',
      resume: false,
    });
    const pinned = { ...moved, upgrade: { ...moved.upgrade, plan: { ...moved.upgrade.plan, pinned: true } } };
    s = runToRest(pinned, context, (id) => failed(id)).snapshot;
    const same = applyChange(
      s,
      applyVerb(s, { verb: 'retry', node: 'ctl-1', commit: 'a'.repeat(40) }, ops, T0, false),
    );
    expect(step(same, context, idle()).decision.dispatch[0]).toMatchObject({ fromPhase: 'health' });
  });

  it('keeps the fleet-wide availability floor per role across dispatch', () => {
    const { snapshot, context } = setup({
      controllers: 4,
      computes: 8,
      strategy: '{ kind: rolling, batch: 8, maxUnavailable: 25% }',
    });
    let s = snapshot;
    for (let i = 0; i < 10 && s.waves[s.upgrade.currentWave]?.service !== 'nova-compute'; i += 1) {
      s = runToRest(s, context, (id) => ok(id)).snapshot;
      s = applyChange(s, applyVerb(s, { verb: 'step' }, ops, T0, false));
    }
    const { decision } = step(s, context, idle());
    expect(s.waves[s.upgrade.currentWave]!.service).toBe('nova-compute');
    expect(decision.dispatch).toHaveLength(2);
  });

  it('re-dispatches units a dead process left running, as resumes, and gives up after three attempts', () => {
    const { snapshot, context } = setup();
    const { next } = step(snapshot, context, idle());
    const { decision } = step(next, context, idle());
    expect(decision.dispatch).toEqual([{ unitId: 1, kind: 'upgrade', resume: true, fromPhase: null }]);
    const exhausted = structuredClone(next);
    exhausted.units[0]!.attempts = 3;
    const { next: after } = step(exhausted, context, idle());
    expect(after.units[0]!.state).toBe('failed');
    expect(decide(next, idle([1]), context, T0).dispatch).toHaveLength(0);
  });

  it('rolls back every upgraded unit newest first, then reports rolled_back', () => {
    const { snapshot, context } = setup({ computes: 2 }, { strategy: 'all-at-once' });
    const done = runToRest(snapshot, context, (id) => ok(id)).snapshot;
    expect(done.upgrade.state).toBe('completed');
    const started = [...done.units].sort((a, b) => b.startedSeq! - a.startedSeq!).map((u) => u.id);
    const rolling = applyChange(done, applyVerb(done, { verb: 'rollback', scope: 'all' }, ops, T0, false));
    const { snapshot: back, order } = runToRest(rolling, context, (id) => ({ ...ok(id), kind: 'rollback' }));
    expect(order).toEqual(started);
    expect(back.upgrade.state).toBe('rolled_back');
    expect(back.units.every((u) => u.state === 'rolled_back')).toBe(true);
  });
});

describe('verbs', () => {
  it('refuse what does not apply now, with the reason', () => {
    const { snapshot, context } = setup();
    const running = step(snapshot, context, idle()).next;
    expect(() => applyVerb(running, { verb: 'step' }, ops, T0, false)).toThrow(/not waiting at a gate/);
    expect(() => applyVerb(running, { verb: 'resume' }, ops, T0, false)).toThrow(/not paused/);
    expect(() => applyVerb(running, { verb: 'retry', node: 'cmp-9' }, ops, T0, false)).toThrow(
      /cmp-9 has no failed unit/,
    );
    const paused = applyChange(running, applyVerb(running, { verb: 'pause' }, ops, T0, false));
    expect(paused.upgrade.reason).toBe('paused by ops');
    expect(decide(paused, idle([1]), context, T0).dispatch).toHaveLength(0);
    const aborted = applyChange(paused, applyVerb(paused, { verb: 'abort' }, ops, T0, false));
    expect(() => applyVerb(aborted, { verb: 'resume' }, ops, T0, false)).toThrow(/aborted, not paused/);
    expect(() => applyVerb(aborted, { verb: 'rollback', scope: 'all' }, ops, T0, false)).toThrow(
      /not possible from aborted/,
    );
  });

  it('requireAck holds step until the failures are acknowledged', () => {
    const { snapshot, context } = setup({ computes: 2, strategy: '{ kind: rolling, maxFailures: 1 }' });
    let s = snapshot;
    for (let i = 0; i < 6 && !(s.waves[s.upgrade.currentWave]?.service === 'nova-compute'); i += 1) {
      s = runToRest(s, context, (id) => ok(id)).snapshot;
      s = applyChange(s, applyVerb(s, { verb: 'step' }, ops, T0, true));
    }
    s = runToRest(s, context, (id) => failed(id)).snapshot;
    expect(s.waves[s.upgrade.currentWave]!.state).toBe('gated');
    expect(() => applyVerb(s, { verb: 'step' }, ops, T0, true)).toThrow(
      /acknowledge the open failures first \(#1 on cmp-1\)/,
    );
    s = applyChange(s, applyVerb(s, { verb: 'ack', failureId: 1, note: 'looking' }, ops, T0, true));
    expect(s.failures[0]).toMatchObject({ state: 'acked', ackedBy: 'ops', ackNote: 'looking' });
    expect(() => applyVerb(s, { verb: 'ack', failureId: 1, note: undefined }, ops, T0, true)).toThrow(
      /already acked by ops/,
    );
    expect(applyChange(s, applyVerb(s, { verb: 'step' }, ops, T0, true)).upgrade.currentWave).toBe(
      s.upgrade.currentWave + 1,
    );
  });
});

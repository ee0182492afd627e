// Counterexamples the model-based test (model.test.ts) found and shrank, kept as scenarios:
// each hung or broke an invariant before the engine kept PRODUCT.md's rules.
import { describe, expect, it } from 'vitest';
import { type Behaviour, type FleetSpec, fleetPlan, type StartVersion } from './model/fleet.js';
import { Sim } from './model/sim.js';

function spec(
  services: FleetSpec['services'],
  nodes: FleetSpec['nodes'],
  strategy: string,
  behaviour: Record<string, Behaviour> = {},
  version: Record<string, StartVersion> = {},
): FleetSpec {
  const all: FleetSpec = { services, nodes, strategy, requireAck: false, behaviour: {}, version: {} };
  for (const s of services)
    for (const n of nodes) {
      const key = `${s.name}@${n.name}`;
      all.behaviour[key] = behaviour[key] ?? { kind: 'ok' };
      all.version[key] = version[key] ?? 'grizzly';
    }
  return all;
}

async function settle(sim: Sim): Promise<void> {
  for (let round = 0; round < 400; round += 1) {
    const decision = sim.tick();
    const [next] = sim.jobs.keys();
    const [hook] = sim.hookJobs;
    if (next !== undefined) await sim.complete(next);
    else if (hook !== undefined) await sim.completeHook(hook);
    else if (
      decision.change === null &&
      decision.dispatch.length === 0 &&
      decision.hooks.length === 0 &&
      sim.results.length === 0 &&
      sim.hookResults.length === 0
    )
      return;
  }
  throw new Error('no rest after 400 decisions');
}

describe('shrunk counterexamples', () => {
  it('a failed node holding the availability floor pauses the upgrade with a reason instead of hanging', async () => {
    const fleet = spec(
      [{ name: 's0', role: 'r0', after: [] }],
      [
        { name: 'n01', roles: ['r2'] },
        { name: 'n02', roles: ['r1'] },
        { name: 'n03', roles: ['r0'] },
        { name: 'n04', roles: ['r0', 'r1'] },
      ],
      '{ kind: rolling, batch: 1, maxFailures: 1, maxUnavailable: 1, auto: false, soak: 0s }',
      { 's0@n03': { kind: 'upgrade-fails', until: 1 } },
    );
    const sim = new Sim(fleet, fleetPlan(fleet));
    await settle(sim);
    expect(sim.verb({ verb: 'step' })).toBe('acted');
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('paused');
    expect(sim.snapshot.upgrade.reason).toMatch(/no r0 node may go out of service while n03/);
    expect(sim.snapshot.upgrade.reason).toMatch(/`retry <node>` or `skip <node>` \(n03\)/);
    expect(sim.verb({ verb: 'skip', node: 'n03' })).toBe('acted');
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('completed_with_failures');
  });

  it('a prerequisite that failed within maxFailures holds its dependents with a reason, and a retry lets them go', async () => {
    const fleet = spec(
      [
        { name: 's0', role: 'r0', after: [] },
        { name: 's1', role: 'r0', after: ['s0'] },
      ],
      [
        { name: 'n01', roles: ['r0'] },
        { name: 'n02', roles: ['r0'] },
      ],
      '{ kind: all-at-once, maxFailures: 10 }',
      { 's0@n01': { kind: 'health-fails', until: 1 } },
    );
    const sim = new Sim(fleet, fleetPlan(fleet));
    await settle(sim);
    expect(sim.snapshot.upgrade).toMatchObject({ state: 'paused', pausedBy: 'failures' });
    expect(sim.snapshot.upgrade.reason).toMatch(/s1 waits for s0: s0 on n01 failed/);
    expect(sim.verb({ verb: 'retry', node: 'n01' })).toBe('acted');
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('completed');
  });

  it('rolling back a wave rolls every dependent back before its prerequisites', async () => {
    const fleet = spec(
      [
        { name: 's0', role: 'r1', after: [] },
        { name: 's1', role: 'r0', after: ['s0'] },
      ],
      [
        { name: 'n01', roles: ['r0', 'r1'] },
        { name: 'n02', roles: ['r1'] },
        { name: 'n03', roles: ['r0'] },
      ],
      '{ kind: all-at-once, maxFailures: "50%", maxUnavailable: "50%" }',
      { 's0@n02': { kind: 'drops-in-health', until: 3 } },
    );
    const sim = new Sim(fleet, fleetPlan(fleet));
    await settle(sim);
    expect(sim.verb({ verb: 'rollback', scope: 'wave' })).toBe('acted');
    // The sim throws a Violation if a prerequisite's rollback starts before its dependents'.
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('rolled_back');
  });

  it('rollback all goes on past nodes whose failure left them out of service (maxUnavailable 1)', async () => {
    const fleet = spec(
      [
        { name: 's0', role: 'r0', after: [] },
        { name: 's1', role: 'r0', after: ['s0'] },
      ],
      [
        { name: 'n01', roles: ['r0'] },
        { name: 'n02', roles: ['r0'] },
        { name: 'n03', roles: ['r0'] },
      ],
      '{ kind: waves, waves: [2, 100%], maxFailures: 0, maxUnavailable: 1, auto: true, soak: 0s }',
      { 's0@n02': { kind: 'rollback-fails' }, 's0@n03': { kind: 'upgrade-fails', until: 5 } },
    );
    const sim = new Sim(fleet, fleetPlan(fleet));
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('paused');
    expect(sim.verb({ verb: 'rollback', scope: 'all' })).toBe('acted');
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('failed');
    expect(sim.snapshot.upgrade.reason).toMatch(/rollback failed on n02/);
  });

  it('a pre hook cut off by a stalled driver runs again before any unit; with a node skipped, no post hook runs', async () => {
    const fleet = spec(
      [{ name: 's0', role: 'r0', after: [], hooks: { pre: 1, post: 0 } }],
      [
        { name: 'n01', roles: ['r0'] },
        { name: 'n02', roles: ['r0'] },
      ],
      '{ kind: all-at-once }',
    );
    const sim = new Sim(fleet, fleetPlan(fleet));
    sim.tick();
    expect([...sim.hookJobs]).toHaveLength(1);
    await sim.stall(); // its first run fails, and the result is fenced off
    expect(sim.verb({ verb: 'skip', node: 'n01' })).toBe('acted');
    await settle(sim);
    expect(sim.hookRuns.get('pre@s0')).toBe(2);
    expect(sim.state.get('s0@n02')?.upgrades).toBe(1);
    expect(sim.state.get('s0@n01')?.upgrades).toBe(0);
    expect(sim.snapshot.upgrade.state).toBe('completed_with_failures');
    expect(sim.hookRuns.get('post@s0')).toBeUndefined();
  });

  it('a node retried after the last wave while a failed node holds the availability floor pauses with the reason', async () => {
    const fleet = spec(
      [{ name: 's0', role: 'r0', after: [] }],
      [
        { name: 'n01', roles: ['r0'] },
        { name: 'n02', roles: ['r0'] },
      ],
      '{ kind: all-at-once, maxFailures: 3, maxUnavailable: 1 }',
      { 's0@n02': { kind: 'health-fails', until: 9 } },
      { 's0@n01': 'custom-build-7' },
    );
    const sim = new Sim(fleet, fleetPlan(fleet));
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('completed_with_failures');
    expect(sim.verb({ verb: 'retry', node: 'n01' })).toBe('acted');
    await settle(sim);
    expect(sim.snapshot.upgrade.state).toBe('paused');
    expect(sim.snapshot.upgrade.reason).toMatch(/no r0 node may go out of service while n02/);
  });
});

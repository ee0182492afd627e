// Model-based tests of the engine (fast-check `fc.commands`): random fleets (1–6 services
// with random `after:` DAGs, roles, 1–60 nodes), strategies and policies, node behaviours
// (failing phases, unreachable nodes, connections dropping, versions older, newer or unknown),
// pre, post and rollback hooks that fail before they pass, and random interleavings of driver
// steps, units and hooks finishing, operator verbs (`retry hook` and `skip hook` too), crashes
// and stalls. After every command the named invariants are checked (sim.ts throws a Violation
// named after the property). `DROVER_FUZZ_RUNS` sets the number of sequences (200 here;
// `npm run fuzz:engine` runs 10,000), `DROVER_FUZZ_SEED` replays one; a failure prints both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TERMINAL_UPGRADE } from '../../src/engine/transitions.js';
import { attributable } from '../../src/engine/types.js';
import { HOOK, type VerbRequest } from '../../src/engine/verbs.js';
import { type FleetSpec, fleetPlan, fleetSpec } from './model/fleet.js';
import { Sim, Violation } from './model/sim.js';

const RUNS = Number.parseInt(process.env.DROVER_FUZZ_RUNS ?? '200', 10);
// `npm test` runs one fixed seed (one whose 200 sequences reach every terminal state), so a
// run is the same on every machine; the long fuzz run (`DROVER_FUZZ_RUNS` set) draws a new
// seed each time unless one is given.
const FIXED_SEED = 1;
const SEED = process.env.DROVER_FUZZ_SEED
  ? Number.parseInt(process.env.DROVER_FUZZ_SEED, 10)
  : process.env.DROVER_FUZZ_RUNS
    ? undefined
    : FIXED_SEED;

type Cmd = fc.AsyncCommand<object, Sim>;

const named = (name: string, run: (sim: Sim) => Promise<void> | void): Cmd => ({
  check: () => true,
  async run(_model, sim) {
    await run(sim);
    checkAlways(sim);
  },
  toString: () => name,
});

/** Invariants that hold after every command. */
function checkAlways(sim: Sim): void {
  for (const unit of sim.snapshot.units) {
    const state = sim.state.get(`${unit.service}@${unit.node}`)!;
    if (state.upgrades > (sim.allowed.get(unit.id) ?? 1))
      throw new Violation(
        'no unit upgraded twice except by retry',
        `${unit.service}@${unit.node} upgraded ${state.upgrades} times (allowed ${sim.allowed.get(unit.id)})`,
      );
  }
  for (const failure of sim.snapshot.failures)
    if (!attributable(failure.kind) && failure.culprit !== null)
      throw new Violation('infrastructure and skew failures carry no culprit', `failure #${failure.id}`);
}

/** Liveness: with nothing left to finish, the upgrade is never running without a gate or a reason. */
async function settle(sim: Sim): Promise<void> {
  for (let round = 0; round < 400; round += 1) {
    const decision = sim.tick();
    const [next] = sim.jobs.keys();
    if (next !== undefined) {
      await sim.complete(next);
      continue;
    }
    const [hook] = sim.hookJobs;
    if (hook !== undefined) {
      await sim.completeHook(hook);
      continue;
    }
    if (
      decision.change === null &&
      decision.dispatch.length === 0 &&
      decision.hooks.length === 0 &&
      sim.results.length === 0 &&
      sim.hookResults.length === 0
    ) {
      const { state, reason } = sim.snapshot.upgrade;
      const wave = sim.snapshot.waves[sim.snapshot.upgrade.currentWave];
      const gated = wave?.state === 'gated' || (wave?.state === 'soaking' && decision.wakeAt !== null);
      if (state === 'running' && !gated)
        throw new Violation(
          'liveness',
          `running with nothing in flight and nothing dispatchable (${reason})`,
        );
      if (state === 'planned' || state === 'rolling_back')
        throw new Violation('liveness', `${state} with nothing in flight`);
      if (state === 'paused' && reason.trim() === '')
        throw new Violation('liveness', 'paused without a reason');
      return;
    }
  }
  throw new Violation('liveness', 'no rest after 400 decisions');
}

function commands(spec: FleetSpec): fc.Arbitrary<Iterable<Cmd>> {
  const node = fc.constantFrom(...spec.nodes.map((n) => n.name));
  const verb: fc.Arbitrary<VerbRequest> = fc.oneof(
    fc.constant({ verb: 'step' as const }),
    fc.constant({ verb: 'pause' as const }),
    fc.constant({ verb: 'resume' as const }),
    fc.constant({ verb: 'abort' as const }),
    fc.constantFrom('wave' as const, 'all' as const).map((scope) => ({ verb: 'rollback' as const, scope })),
    node.map((n) => ({ verb: 'retry' as const, node: n })),
    node.map((n) => ({ verb: 'skip' as const, node: n })),
    fc.constantFrom('retry' as const, 'skip' as const).map((verb) => ({ verb, node: HOOK })),
    fc.constant({ verb: 'ack' as const, failureId: undefined, note: undefined }),
  );
  return fc.commands(
    [
      fc.constant(named('tick', (sim) => void sim.tick())),
      fc.nat(20).map((i) =>
        named(`complete #${i}`, async (sim) => {
          const ids = [...sim.jobs.keys()];
          if (ids.length > 0) await sim.complete(ids[i % ids.length]!);
        }),
      ),
      fc.nat(5).map((i) =>
        named(`complete hook #${i}`, async (sim) => {
          const ids = [...sim.hookJobs];
          if (ids.length > 0) await sim.completeHook(ids[i % ids.length]!);
        }),
      ),
      fc.constant(named('settle', settle)),
      verb.map((request) => named(`verb ${JSON.stringify(request)}`, (sim) => void sim.verb(request))),
      fc.nat(4).map((cut) => named(`crash after ${cut} phases`, (sim) => sim.crash(cut))),
      fc.constant(named('stall', (sim) => sim.stall())),
      fc.constantFrom(1_000, 60_000).map((ms) =>
        named(`clock +${ms}ms`, (sim) => {
          sim.now = new Date(sim.now.getTime() + ms);
        }),
      ),
    ],
    { maxCommands: 40 },
  );
}

describe('the engine under random fleets and interleavings', () => {
  it(`keeps its invariants over ${RUNS} sequences`, async () => {
    const reached = new Set<string>();
    const arbitrary = fleetSpec.chain((spec) => commands(spec).map((cmds) => ({ spec, cmds })));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ spec, cmds }) => {
        const sim = new Sim(spec, fleetPlan(spec));
        await fc.asyncModelRun(() => ({ model: {}, real: sim }), cmds);
        // Every sequence ends driven to rest, as an operator would leave it.
        await settle(sim);
        for (const state of sim.seenStates) reached.add(state);
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    // Every terminal state is reachable (over enough sequences).
    if (RUNS >= 200)
      // `superseded` takes a second deploy of the environment: test/engine/supersede.test.ts.
      for (const state of TERMINAL_UPGRADE.filter((state) => state !== 'superseded'))
        expect(reached, `${state} reached in ${RUNS} runs`).toContain(state);
  }, 600_000);
});

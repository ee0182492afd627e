// Phase records are written while the unit goes on. When the database refuses them (it went
// away mid-wave), the unit's outcome reports it once, at the end — a record refused while a
// batched script still runs is never an unhandled rejection, which would end `drover serve`.
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchStep, NodeRunner } from '../../src/engine/ports.js';
import { runUnit } from '../../src/engine/run-unit.js';
import type { Phase, PhaseResult } from '../../src/engine/types.js';
import { labPlan } from '../support/config.js';
import { snapshotOf } from '../support/snapshot.js';

const ok = (stdout = ''): PhaseResult => ({
  exitCode: 0,
  signal: null,
  stdoutTail: stdout,
  stderrTail: '',
  durationMs: 1,
  interrupted: null,
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('phase records the database refuses', () => {
  it('fail the batched unit at its end, with no unhandled rejection while the script still runs', async () => {
    const plan = labPlan();
    const unit = snapshotOf(plan).units[0]!;
    const steps: BatchStep[] = [];
    const runner: NodeRunner = {
      async open() {
        return {
          run: async () => ok(),
          async runBatch(batch, onStep) {
            // Each phase's marker arrives while the script goes on.
            for (const phase of ['version', ...batch.phases.map((p) => p.phase)] as Phase[]) {
              const step = { phase, result: ok(phase === 'version' ? 'grizzly\n' : '') };
              steps.push(step);
              onStep(step);
              await tick();
            }
            return { steps, stopped: false };
          },
          async close() {},
        };
      },
      async close() {},
    };
    const run = runUnit(
      {
        unit,
        node: { name: unit.node, host: '127.0.0.1', port: 22, user: 'stack', roles: [], labels: {} },
        plan,
        dispatch: { unitId: unit.id, kind: 'upgrade', resume: false, fromPhase: null },
      },
      {
        runner,
        store: { recordPhase: () => Promise.reject(new Error('the database went away')) },
        command: (phase) => ({ phase, text: `bin/${phase}`, timeoutMs: 1_000 }),
        now: () => new Date(),
        classify: async () => ({ at: 'from' }),
        gate: async () => ({ stopNames: [], stopShas: [], goNames: ['grizzly'], goShas: [] }),
      },
    );
    await expect(run).rejects.toThrow('the database went away');
    await tick();
    expect(steps.map((s) => s.phase)).toEqual(['version', 'drain', 'upgrade', 'health', 'undrain']);
    expect(unhandled).toEqual([]);
  });
});

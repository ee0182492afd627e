// A node whose health fails reads the same whether its unit went as one script
// (ssh.batchPhases: true, the default) or one exec per phase: the unit's state and phase, the
// failure's phase, exit code and output tail, and each phase's record.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { phaseRuns, units } from '../../src/adapters/db/schema.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

/** Each lab has a repository of its own: its commits' shas differ, nothing else may. */
const anySha = (text: string) => text.replace(/\b[0-9a-f]{40}\b/g, '<sha>');

/** Upgrades a lab whose cmp-01 fails nova-compute's health; what the engine reports of it. */
async function failingHealth(batchPhases: boolean) {
  lab = await startLab({ computes: 2, strategy: '{ kind: all-at-once, maxFailures: 10 }', batchPhases });
  writeFileSync(join(lab.fleet.dirOf('cmp-01'), 'fail-health-nova-compute'), '');
  const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
  const snapshot = await lab.engine.drive(started.upgrade.id, 'resting', AbortSignal.timeout(60_000));
  const unit = snapshot.units.find((u) => u.node === 'cmp-01')!;
  const failure = snapshot.failures.find((f) => f.nodes.includes('cmp-01'))!;
  const runs = await lab.database.db
    .select()
    .from(phaseRuns)
    .innerJoin(units, eq(units.id, phaseRuns.unitId))
    .where(eq(units.id, unit.id))
    .orderBy(asc(phaseRuns.id));
  const records = runs.map(({ phase_runs: run }) => ({
    phase: run.phase,
    exitCode: run.exitCode,
    signal: run.signal,
    stdoutTail: anySha(run.stdoutTail),
    stderrTail: anySha(run.stderrTail),
    interrupted: run.interrupted,
  }));
  const commands = lab.fleet.commands('cmp-01').length;
  await lab.close();
  lab = undefined;
  return {
    state: snapshot.upgrade.state,
    unit: { state: unit.state, phase: unit.phase },
    failure: {
      kind: failure.kind,
      phase: failure.phase,
      exitCode: failure.exitCode,
      outputTail: failure.outputTail,
    },
    records,
    commands,
  };
}

describe('a health check failing on a node', () => {
  it('is reported the same batched and unbatched: phase, exit code, output tail, phase records', async () => {
    const batched = await failingHealth(true);
    const unbatched = await failingHealth(false);
    const expected = {
      state: 'completed_with_failures',
      unit: { state: 'failed', phase: 'health' },
      failure: {
        kind: 'phase',
        phase: 'health',
        exitCode: 1,
        outputTail: expect.stringContaining('health check of nova-compute failed: service not responding'),
      },
    };
    expect(batched).toMatchObject(expected);
    expect(unbatched).toMatchObject(expected);
    const { commands: oneScript, ...batchedReport } = batched;
    const { commands: perPhase, ...unbatchedReport } = unbatched;
    expect(batchedReport).toEqual(unbatchedReport);
    expect(batched.records.map((r) => r.phase)).toEqual(['version', 'drain', 'upgrade', 'health']);
    // One exec for the unit batched; version, drain, upgrade and health one each otherwise.
    expect(oneScript).toBe(1);
    expect(perPhase).toBe(4);
  }, 120_000);
});

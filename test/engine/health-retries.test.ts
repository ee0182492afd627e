// Waiting for health over SSH: `healthRetries: 3` reruns a failing health check until it exits 0,
// up to four runs; the thread hears of every run when there is more than one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, OPS, startLab } from '../support/lab.js';

// Each run counts itself in the node's `tries` file and its log; it passes from the third run on,
// unless the node has a `never` file.
const HEALTH =
  'n=$(cat tries 2>/dev/null || echo 0); n=$((n+1)); echo $n > tries; echo health $n >> health.log; test $n -ge 3 -a ! -f never';

const runs = (lab: Lab, node: string) =>
  readFileSync(join(lab.fleet.dirOf(node), 'health.log'), 'utf8')
    .split('\n')
    .filter(Boolean);

describe('healthRetries', { timeout: 120_000 }, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({
      controllers: 1,
      computes: 2,
      strategy: '{ kind: all-at-once, maxFailures: 1 }',
      services: `  nova-compute:
    roles: [compute]
    paths: [nova/compute/]
    phases: { health: "${HEALTH}", healthRetries: 3, healthInterval: 0s }`,
    });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('a check passing on its third try counts the unit done; one that never passes fails after four', async () => {
    writeFileSync(join(lab.fleet.dirOf('cmp-02'), 'never'), '');
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await lab.engine.drive(started.upgrade.id, 'terminal');
    const unit = (node: string) => snapshot.units.find((u) => u.node === node)!;
    expect(unit('cmp-01')).toMatchObject({ state: 'done' });
    expect(runs(lab, 'cmp-01')).toEqual(['health 1', 'health 2', 'health 3']);
    expect(unit('cmp-02')).toMatchObject({ state: 'failed', phase: 'health', exitCode: 1 });
    expect(runs(lab, 'cmp-02')).toEqual(['health 1', 'health 2', 'health 3', 'health 4']);
    expect(snapshot.upgrade.state).toBe('completed_with_failures');

    const told = (await lab.database.store.eventsAfter(0, 500))
      .filter((event) => event.type === 'health.retry' && event.data.node === 'cmp-01')
      .map((event) => `${event.data.attempt}/${event.data.of} ${event.data.passed ? 'passed' : 'failed'}`);
    expect(told).toEqual(['1/4 failed', '2/4 failed', '3/4 passed']);
  });
});

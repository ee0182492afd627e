import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, OPS, startLab } from '../support/lab.js';

describe('a rollout over real SSH (24 simulated nodes, real store)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({
      controllers: 4,
      computes: 20,
      strategy: '{ kind: waves, waves: [1, 25%, 100%], auto: true, soak: 0s }',
      concurrency: 8,
    });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('pauses after the failing wave, starts no later wave, completes after a retry, and rolls back to from', async () => {
    const { engine, fleet, repo } = lab;
    writeFileSync(join(fleet.dirOf('cmp-03'), 'fail-health-nova-compute'), '');
    const started = await engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    let snapshot = await engine.drive(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('paused');
    expect(snapshot.upgrade.reason).toMatch(/cmp-03 failed health \(exit 1\)/);
    const failedWave = snapshot.units.find((u) => u.node === 'cmp-03')!.wave;
    expect(snapshot.units.filter((u) => u.wave > failedWave).every((u) => u.state === 'pending')).toBe(true);
    expect(snapshot.waves.filter((w) => w.index > failedWave).every((w) => w.state === 'pending')).toBe(true);
    expect(snapshot.failures).toHaveLength(1);
    expect(snapshot.failures[0]).toMatchObject({
      service: 'nova-compute',
      phase: 'health',
      nodes: ['cmp-03'],
      state: 'open',
    });
    expect(snapshot.failures[0]!.outputTail).toContain('service not responding');
    for (const node of fleet.nodes) {
      const units = snapshot.units.filter((u) => u.node === node.name && u.wave > failedWave);
      if (units.length > 0) expect(fleet.upgrades(node.name)).toEqual([]);
    }

    unlinkSync(join(fleet.dirOf('cmp-03'), 'fail-health-nova-compute'));
    await engine.upgrades.retry(OPS, { environment: 'lab' }, 'cmp-03');
    snapshot = await engine.drive(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed');
    expect(snapshot.units.every((u) => u.state === 'done')).toBe(true);
    expect(snapshot.failures[0]!.state).toBe('resolved');
    for (const node of fleet.nodes) {
      const services = node.name.startsWith('ctl') ? 2 : 1;
      expect(fleet.upgrades(node.name), node.name).toHaveLength(services);
    }
    const versions = await lab.database.store.versions('lab');
    expect(versions.get('cmp-07')?.get('nova-compute')).toBe('havana');

    await engine.upgrades.rollback(OPS, { environment: 'lab' }, 'all');
    snapshot = await engine.drive(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('rolled_back');
    for (const unit of snapshot.units) {
      expect(unit.state).toBe('rolled_back');
      const { execFileSync } = await import('node:child_process');
      const version = execFileSync('sh', ['bin/version', unit.service], { cwd: fleet.dirOf(unit.node) })
        .toString()
        .trim();
      expect(version, `${unit.service} on ${unit.node}`).toBe(repo.grizzly);
    }
  });
});

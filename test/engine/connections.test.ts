import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, OPS, startLab } from '../support/lab.js';

describe('connections during an upgrade', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({
      controllers: 2,
      computes: 2,
      strategy: '{ kind: rolling, batch: 2, auto: true, soak: 0s }',
    });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('are opened once per node: a controller’s keystone and nova-api units share one', async () => {
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await lab.engine.drive(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed');
    const names = lab.fleet.nodes.map((node) => node.name);
    // Two units on each controller (keystone, then nova-api), one on each compute.
    expect(names.map((name) => lab.fleet.upgrades(name).length)).toEqual([2, 2, 1, 1]);
    expect(names.map((name) => lab.fleet.connections(name))).toEqual([1, 1, 1, 1]);
  });
});

// Continuous deployment: a pipeline deploys one commit after another of the same release.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, OPS, startLab } from '../support/lab.js';

describe('pinned deploys of successive commits of one release', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 2, strategy: '{ kind: all-at-once }' });
  });
  afterAll(async () => {
    await lab?.close();
  });

  const deploy = async (commit: string) => {
    const started = await lab.engine.upgrades.start(OPS, 'havana', {
      environment: 'lab',
      strategy: 'all-at-once',
      commit,
    });
    return lab.engine.drive(started.upgrade.id);
  };
  const lines = () => lab.fleet.nodes.flatMap((node) => lab.fleet.upgrades(node.name));

  it('upgrade every node to each new commit, and skip the nodes already at a commit deployed again', async () => {
    const commits = execFileSync('git', [
      '-C',
      lab.repo.path,
      'rev-list',
      '--reverse',
      'stable/grizzly..stable/havana',
    ])
      .toString()
      .trim()
      .split('\n');
    const [earlier, head] = [commits.at(-2)!, commits.at(-1)!];

    let snapshot = await deploy(earlier);
    expect(snapshot.upgrade.state).toBe('completed');
    const units = snapshot.units.length;
    expect(units).toBe(4); // keystone and nova-api on the controller, nova-compute on two computes
    expect(lines().filter((line) => line.endsWith(earlier))).toHaveLength(units);

    // The nodes run the release, at an older commit: the next commit goes everywhere.
    snapshot = await deploy(head);
    expect(snapshot.upgrade.state).toBe('completed');
    expect(snapshot.upgrade.plan.skipped).toEqual([]);
    expect(snapshot.units.every((unit) => unit.state === 'done')).toBe(true);
    expect(lines().filter((line) => line.endsWith(head))).toHaveLength(units);

    // The same commit again: every unit is already there.
    snapshot = await deploy(head);
    expect(snapshot.upgrade.state).toBe('completed');
    expect(snapshot.upgrade.plan.skipped).toHaveLength(units);
    expect(lines()).toHaveLength(2 * units);
  });
});

// Canary-first continuous deployment over SSH, through the deploy webhook: a deploy takes the
// environment's waves strategy (its canary first), and a second deploy during the first
// supersedes it; every node ends at the newest commit and none goes back to an older one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleDeployHook } from '../../src/adapters/http/deploy-hook.js';
import { createDispatcher } from '../../src/bot/dispatch.js';
import type { UpgradeSnapshot } from '../../src/engine/ports.js';
import { type Lab, startLab } from '../support/lab.js';
import { until } from '../support/wait.js';

describe('deploys through the webhook', { timeout: 180_000 }, () => {
  let lab: Lab;
  let commits: string[];
  beforeAll(async () => {
    lab = await startLab({
      controllers: 1,
      computes: 3,
      strategy: '{ kind: waves, waves: [1, 100%], auto: true, soak: 0s }',
      services: `  nova-compute:
    roles: [compute]
    paths: [nova/compute/]
    phases: { upgrade: "sleep 0.3; echo {{node}} {{commit}} >> ../timeline.log; sh bin/upgrade {{service}} {{commit}}" }`,
    });
    commits = execFileSync('git', [
      '-C',
      lab.repo.path,
      'rev-list',
      '--reverse',
      'stable/grizzly..stable/havana',
    ])
      .toString()
      .trim()
      .split('\n');
  });
  afterAll(async () => {
    await lab?.close();
  });

  const deploy = async (commit: string, strategy?: string) => {
    const rawBody = JSON.stringify({
      environment: 'lab',
      commit,
      release: 'havana',
      ...(strategy ? { strategy } : {}),
    });
    const answer = await handleDeployHook({
      rawBody,
      dispatcher: createDispatcher({
        upgrades: lab.engine.upgrades,
        store: lab.database.store,
        config: lab.config,
      }),
      commits: lab.commits,
      config: lab.config,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return Number(answer.body.upgrade);
  };
  const timeline = () =>
    readFileSync(join(lab.fleet.dirOf('cmp-01'), '..', 'timeline.log'), 'utf8')
      .split('\n')
      .filter(Boolean);

  it("runs the environment's canary first; a second deploy supersedes the first; nodes end at the newest commit", async () => {
    const [older, newest] = [commits.at(-3)!, commits.at(-1)!];
    const first = await deploy(older);
    const firstRun = lab.engine.drive(first, 'terminal');
    // The first deploy is under way: its canary finished, its second wave started.
    await until(
      async () => (await lab.database.store.load(first))!.units.some((unit) => unit.state === 'done'),
      'the first deploy’s canary',
      120_000,
    );
    const second = await deploy(newest);
    const superseded: UpgradeSnapshot = await firstRun;
    expect(superseded.upgrade.state).toBe('superseded');
    expect(superseded.upgrade.plan.strategy.kind).toBe('waves');
    const done = await lab.engine.drive(second, 'terminal');
    expect(done.upgrade.state).toBe('completed');

    const lines = timeline();
    // The first deploy's canary (cmp-01) went alone before the other computes.
    expect(lines[0]).toBe(`cmp-01 ${older}`);
    // Every node ends at the newest commit; none was sent the older one after the newest.
    for (const node of ['cmp-01', 'cmp-02', 'cmp-03']) {
      const sent = lines.filter((line) => line.startsWith(`${node} `)).map((line) => line.split(' ')[1]);
      expect(sent.at(-1), node).toBe(newest);
      expect(sent.slice(sent.indexOf(newest)), node).toEqual([newest]);
      expect(readFileSync(join(lab.fleet.dirOf(node), 'state', 'nova-compute.version'), 'utf8').trim()).toBe(
        newest,
      );
    }
    // The second deploy also went canary first: its first nova-compute wave holds one node.
    expect(done.upgrade.plan.waves[0]?.units).toHaveLength(1);
  });
});

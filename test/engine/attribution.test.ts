import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/adapters/ssh/runner.js';
import { personFor } from '../../src/bot/people.js';
import { createAttributor } from '../../src/engine/attribution.js';
import { brokenFileHook, buildRangeRepo } from '../support/git.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

describe('attribution over real SSH: 32 commits, commit 19 breaks nova-compute', () => {
  let lab: Lab;
  let shas: string[] = [];
  beforeAll(async () => {
    lab = await startLab({
      controllers: 1,
      computes: 2,
      strategy: '{ kind: all-at-once }',
      extra: '',
      repo: async (path) => {
        const built = await buildRangeRepo(path, 32, 19, 'nova-compute');
        shas = built.shas;
        return built;
      },
      attributor: ({ config, commits }) =>
        createAttributor({
          config: { ...config, releases: { ...config.releases, bisectRetries: 0 } },
          commits,
          runner: createSshRunner({ ssh: config.ssh, redact: [] }),
        }),
    });
    for (const node of lab.fleet.nodes)
      writeFileSync(join(node.dir, 'health-hook'), brokenFileHook(lab.repo.path));
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('bisects to commit 19 in at most 6 probes counted on the node, then restores the node', async () => {
    const { engine, fleet } = lab;
    const started = await engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await engine.drive(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('paused');
    expect(snapshot.failures).toHaveLength(1);
    const failure = snapshot.failures[0]!;
    expect([...failure.nodes].sort()).toEqual(['cmp-01', 'cmp-02']);
    expect(failure.culprit).toMatchObject({
      how: 'bisected',
      sha: shas[18],
      authorEmail: 'alice@example.com',
      subject: 'nova-compute: the change that breaks it',
    });
    // The author maps to chat users through `people:`; an unmapped author keeps name and e-mail.
    expect(personFor(lab.config.people, failure.culprit!.authorEmail, failure.culprit!.authorName)).toEqual({
      name: 'Alice',
      email: 'alice@example.com',
      slack: 'U01ALICE',
      discord: '5566778899',
    });
    expect(personFor(lab.config.people, 'bob@example.com', 'Bob')).toEqual({
      name: 'Bob',
      email: 'bob@example.com',
    });
    const logs = failure.nodes.map((node) => fleet.upgrades(node));
    // Bisection ran on one of the failed nodes; the other was upgraded once.
    const log = logs.find((lines) => lines.length > 1)!;
    expect(logs.filter((lines) => lines.length === 1)).toHaveLength(1);
    // 1 upgrade by the rollout, the probes, 1 restore.
    const probes = log.length - 2;
    expect(failure.culprit!.probes).toBe(probes);
    expect(probes).toBeLessThanOrEqual(6);
    expect(log.at(-1)).toBe(`nova-compute ${shas[31]}`);
    const events = (await lab.database.store.eventsAfter(0, 1000)).filter(
      (e) => e.type === 'bisect.progress',
    );
    expect(events.map((e) => e.data.text)).toContain('bisecting: 5 steps left, 32 commits');
  });
});

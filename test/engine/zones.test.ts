// A 3-zone fleet upgraded with strategy.by: zone — each node logs when its service went out of
// and back into rotation, and those windows never overlap between zones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type InProcessFleet, startInProcessFleet } from '../support/fleet/inprocess.js';
import { reachRepo, upgradeThrough } from '../support/reach.js';

// Both ways a unit's phases go to its node: one script (the default), one exec each.
describe.each([
  { batchPhases: true, mode: 'one script per unit' },
  { batchPhases: false, mode: 'one exec per phase' },
])('an upgrade with strategy.by: zone, $mode', ({ batchPhases }) => {
  let fleet: InProcessFleet | undefined;
  afterAll(async () => {
    await fleet?.close();
  });

  it('never has two zones upgrading at once', async () => {
    const repo = await reachRepo();
    const zoneOf = new Map<string, string>();
    const names = ['ctl-1', ...Array.from({ length: 9 }, (_, i) => `cmp-${i + 1}`)];
    for (const [i, name] of names.entries()) zoneOf.set(name, `z${(i % 3) + 1}`);
    fleet = await startInProcessFleet({ names, seedVersion: repo.grizzly });
    const { snapshot } = await upgradeThrough(fleet, repo.path, {
      ssh: `batchPhases: ${batchPhases}`,
      nodes: names.map((name) => ({
        name,
        role: name.startsWith('ctl') ? ('controller' as const) : ('compute' as const),
        extra: `labels: { zone: ${zoneOf.get(name)} }`,
      })),
      strategy: '{ kind: all-at-once, auto: true, soak: 0s, by: zone }',
      phases: {
        drain: 'sh bin/drain {{service}}; echo {{service}} start $(date +%s%N) >> window.log',
        upgrade: 'sleep 0.3; sh bin/upgrade {{service}} {{commit}}',
        undrain: 'sh bin/undrain {{service}}; echo {{service}} end $(date +%s%N) >> window.log',
      },
    });
    expect(snapshot.upgrade.state).toBe('completed');
    // Per service and zone: from the first node's drain to the last node's undrain.
    const windows = new Map<string, { start: bigint; end: bigint; nodes: number }>();
    for (const name of names) {
      const lines = readFileSync(join(fleet.dirOf(name), 'window.log'), 'utf8')
        .trim()
        .split('\n');
      const times = new Map(
        lines
          .map((line) => line.split(' '))
          .map(([service, what, at]) => [`${service} ${what}`, BigInt(at!)]),
      );
      const service = name.startsWith('ctl') ? 'keystone' : 'nova-compute';
      const key = `${service} ${zoneOf.get(name)}`;
      const seen = windows.get(key);
      const start = times.get(`${service} start`)!;
      const end = times.get(`${service} end`)!;
      windows.set(key, {
        start: seen && seen.start < start ? seen.start : start,
        end: seen && seen.end > end ? seen.end : end,
        nodes: (seen?.nodes ?? 0) + 1,
      });
    }
    const computes = ['z1', 'z2', 'z3'].map((zone) => windows.get(`nova-compute ${zone}`)!);
    expect(computes.map((w) => w.nodes)).toEqual([3, 3, 3]);
    // Zone by zone, in order: each zone's window ends before the next one's begins.
    for (let i = 1; i < computes.length; i += 1) expect(computes[i - 1]!.end < computes[i]!.start).toBe(true);
  });
});

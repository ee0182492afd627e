// Upgrades over real OpenSSH through bastions: node-ssh and openssh transports, one and two
// hops (only the bastions' sshd allows TCP forwarding), and the operator's own ssh_config.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../support/fleet/openssh.js';
import { reachRepo, upgradeThrough } from '../support/reach.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the upgrades through bastions: ${unavailable}`);

describe.skipIf(unavailable)('an upgrade through jump hosts', () => {
  let fleet: OpensshFleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });
  const nodes = [
    { name: 'ctl-1', role: 'controller' as const },
    { name: 'cmp-1', role: 'compute' as const },
    { name: 'cmp-2', role: 'compute' as const },
  ];
  const start = async () => {
    const repo = await reachRepo();
    fleet = await startOpensshFleet({
      names: ['b1', 'b2', ...nodes.map((node) => node.name)],
      seedVersion: repo.grizzly,
      forwarding: ['b1', 'b2'],
    });
    return { fleet, repo };
  };
  /** The most connections the bastion held at once while `work` ran. */
  const peakConnections = async <T>(fleet: OpensshFleet, bastion: string, work: Promise<T>) => {
    let peak = 0;
    let done = false;
    const watching = (async () => {
      while (!done) {
        peak = Math.max(peak, fleet.connections(bastion));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      return { result: await work, peak };
    } finally {
      done = true;
      await watching;
    }
  };

  it.each([
    ['node-ssh', ['b1']],
    ['node-ssh', ['b1', 'b2']],
    ['openssh', ['b1']],
    ['openssh', ['b1', 'b2']],
  ])('%s transport, hops %j', async (transport, hops) => {
    const { fleet, repo } = await start();
    const jump = hops.map((name) => `${fleet.user}@${fleet.nodes.find((n) => n.name === name)!.host}:2222`);
    const { result, peak } = await peakConnections(
      fleet,
      hops.at(-1)!,
      upgradeThrough(fleet, repo.path, { ssh: `transport: ${transport}, jump: [${jump.join(', ')}]`, nodes }),
    );
    expect(result.snapshot.upgrade.state).toBe('completed');
    for (const node of nodes) expect(fleet.upgrades(node.name)).toHaveLength(1);
    // Every node was reached through the bastion; node-ssh shares one connection to it.
    expect(peak).toBeGreaterThan(0);
    if (transport === 'node-ssh') expect(peak).toBe(1);
  });

  it('openssh transport with the operator’s ssh_config: ProxyJump in a Match block', async () => {
    const { fleet, repo } = await start();
    const b1 = fleet.nodes.find((n) => n.name === 'b1')!;
    const config = join(repo.path, '..', 'ssh_config');
    const targets = fleet.nodes.filter((n) => !n.name.startsWith('b')).map((n) => n.host);
    writeFileSync(
      config,
      [
        `Match host ${targets.join(',')}`,
        `  ProxyJump ${fleet.user}@${b1.host}:2222`,
        'Host *',
        `  UserKnownHostsFile ${fleet.knownHostsPath}`,
        `  IdentityFile ${fleet.clientKeyPath}`,
        '',
      ].join('\n'),
    );
    const { result, peak } = await peakConnections(
      fleet,
      'b1',
      upgradeThrough(fleet, repo.path, { ssh: `transport: openssh, config: ${config}`, nodes }),
    );
    expect(result.snapshot.upgrade.state).toBe('completed');
    for (const node of nodes) expect(fleet.upgrades(node.name)).toHaveLength(1);
    expect(peak).toBeGreaterThan(0);
  });
});

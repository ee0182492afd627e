// Jump hosts over real OpenSSH: bastions allow TCP forwarding, nodes do not.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../../src/adapters/ssh/runner.js';
import type { Config } from '../../../src/config/schema.js';
import type { Hop, NodeRef } from '../../../src/engine/types.js';
import { HostKeyError, NodeUnreachableError } from '../../../src/errors.js';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../../support/fleet/openssh.js';
import { until } from '../../support/wait.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the jump host tests: ${unavailable}`);

describe.skipIf(unavailable)('jump hosts with the node-ssh transport', () => {
  let fleet: OpensshFleet;
  beforeAll(async () => {
    fleet = await startOpensshFleet({
      names: ['b1', 'b2', 'n1', 'n2', 'n3'],
      seedVersion: 'grizzly',
      forwarding: ['b1', 'b2'],
    });
  });
  afterAll(async () => {
    await fleet?.close();
  });
  const ssh = (extra: Partial<Config['ssh']> = {}): Config['ssh'] => ({
    user: fleet.user,
    port: 22,
    privateKey: fleet.clientKeyPath,
    agent: false,
    knownHosts: fleet.knownHostsPath,
    connectTimeout: 5_000,
    keepalive: 15_000,
    keepOpen: 60_000,
    concurrency: 4,
    batchPhases: true,
    outputTail: 1024,
    transport: 'node-ssh',
    config: 'none',
    jump: [],
    ...extra,
  });
  const byName = (name: string) => fleet.nodes.find((node) => node.name === name)!;
  const hop = (name: string): Hop => ({ host: byName(name).host, port: byName(name).port, user: fleet.user });
  const via = (name: string, hops: string[]): NodeRef => ({ ...byName(name), jump: hops.map(hop) });
  const cmd = (text: string) => ({ phase: 'upgrade' as const, text, timeoutMs: 10_000 });

  it('reaches nodes through one bastion connection shared by all of them', async () => {
    const runner = createSshRunner({ ssh: ssh(), redact: [] });
    try {
      // The fleet's start-up probes (TCP connect, close) leave sshd children for a moment.
      await until(() => fleet.connections('b1') === 0, 'the start-up probes to end');
      const before = 0;
      const sessions = await Promise.all(['n1', 'n2', 'n3'].map((name) => runner.open(via(name, ['b1']))));
      const outputs = await Promise.all(sessions.map((session) => session.run(cmd('pwd'))));
      expect(outputs.map((result) => result.stdoutTail.trim())).toEqual(
        ['n1', 'n2', 'n3'].map((name) => fleet.dirOf(name)),
      );
      expect(fleet.connections('b1') - before).toBe(1);
      for (const session of sessions) await session.close();
      // Kept idle with the nodes' connections, and closed with them.
      expect(fleet.connections('b1') - before).toBe(1);
      await runner.close();
      await until(() => fleet.connections('b1') === before, 'the bastion connection to close');
    } finally {
      await runner.close();
    }
  });

  it('goes through two hops, and a dropped bastion drops the nodes behind it', async () => {
    const runner = createSshRunner({ ssh: ssh({ keepOpen: 0 }), redact: [] });
    const session = await runner.open(via('n1', ['b1', 'b2']));
    try {
      expect(await session.run(cmd('echo through'))).toMatchObject({ exitCode: 0, stdoutTail: 'through\n' });
      expect(fleet.connections('b1')).toBeGreaterThan(0);
      expect(fleet.connections('b2')).toBeGreaterThan(0);
      fleet.dropConnections('b1');
      expect(await session.run(cmd('echo again'))).toMatchObject({
        exitCode: null,
        interrupted: 'connection',
      });
    } finally {
      await session.close();
      await runner.close();
    }
  });

  it('says which hop failed and why', async () => {
    const runner = createSshRunner({ ssh: ssh({ keepOpen: 0 }), redact: [] });
    const n3 = byName('n3');
    // n2 is not a jump host: its sshd refuses to forward.
    const refused = runner.open(via('n3', ['b1', 'n2']));
    await expect(refused).rejects.toBeInstanceOf(NodeUnreachableError);
    await expect(refused).rejects.toThrow(
      `cannot reach node n3 at ${n3.host}:${n3.port}: jump host 2 ${fleet.user}@${byName('n2').host}:2222 could not open a channel to ${n3.host}:${n3.port}`,
    );
    const down = runner.open({ ...byName('n3'), jump: [{ ...hop('b1'), port: 1 }] });
    await expect(down).rejects.toThrow(
      new RegExp(
        `cannot reach node n3 at .*: jump host 1 ${fleet.user}@${byName('b1').host}:1: .*ECONNREFUSED`,
      ),
    );
    await runner.close();
  });

  it('verifies every hop’s host key: an unknown bastion is refused and named', async () => {
    const knownHosts = join(fleet.dirOf('n1'), '..', '..', 'known_hosts_without_b2');
    writeFileSync(
      knownHosts,
      `${fleet.nodes
        .filter((node) => node.name !== 'b2')
        .map((node) => node.hostKeyLine)
        .join('\n')}\n`,
    );
    const runner = createSshRunner({ ssh: ssh({ knownHosts, keepOpen: 0 }), redact: [] });
    const opened = runner.open(via('n1', ['b1', 'b2']));
    await expect(opened).rejects.toBeInstanceOf(HostKeyError);
    await expect(opened).rejects.toThrow(
      `unknown host key for [${byName('b2').host}]:2222 (jump host 2 of node n1) ssh-ed25519 SHA256:`,
    );
    await runner.close();
  });
});

// The openssh transport's own behaviour over real sshd: master connections kept for keepOpen,
// drover's jump hosts as ProxyCommands, the operator's ssh_config (ProxyJump, Match).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpensshRunner } from '../../../src/adapters/ssh/openssh.js';
import type { Config } from '../../../src/config/schema.js';
import type { NodeRef } from '../../../src/engine/types.js';
import { HostKeyError, NodeUnreachableError } from '../../../src/errors.js';
import { type OpensshFleet, opensshUnavailable, startOpensshFleet } from '../../support/fleet/openssh.js';
import { until } from '../../support/wait.js';

const unavailable = opensshUnavailable();
if (unavailable) console.warn(`skipping the openssh transport tests: ${unavailable}`);

describe.skipIf(unavailable)('the openssh transport', () => {
  let fleet: OpensshFleet;
  let root: string;
  beforeAll(async () => {
    fleet = await startOpensshFleet({
      names: ['b1', 'b2', 'n1', 'n2'],
      seedVersion: 'grizzly',
      forwarding: ['b1', 'b2'],
    });
    root = join(fleet.dirOf('n1'), '..', '..');
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
    transport: 'openssh',
    config: 'none',
    jump: [],
    ...extra,
  });
  const byName = (name: string) => fleet.nodes.find((node) => node.name === name)!;
  const via = (name: string, hops: string[]): NodeRef => ({
    ...byName(name),
    jump: hops.map((hop) => ({ host: byName(hop).host, port: byName(hop).port, user: fleet.user })),
  });
  const cmd = (text: string) => ({ phase: 'upgrade' as const, text, timeoutMs: 10_000 });
  const connectionOf = async (runner: ReturnType<typeof createOpensshRunner>, node: NodeRef) => {
    const session = await runner.open(node);
    try {
      return (await session.run(cmd('echo "$SSH_CONNECTION"'))).stdoutTail.trim();
    } finally {
      await session.close();
    }
  };

  it('keeps one master connection per node for keepOpen, and closes it with the runner', async () => {
    const runner = createOpensshRunner({ ssh: ssh(), redact: [] });
    // The fleet's start-up probes (TCP connect, close) leave sshd children for a moment.
    await until(() => fleet.connections('n1') === 0, 'the start-up probes to end');
    const before = 0;
    const first = await connectionOf(runner, byName('n1'));
    expect(first).toMatch(/^\S+ \d+ \S+ 2222$/);
    expect(await connectionOf(runner, byName('n1'))).toBe(first);
    expect(fleet.connections('n1') - before).toBe(1);
    await runner.close();
    await until(() => fleet.connections('n1') === before, 'the master connection to close');
  });

  it('goes through drover’s jump hosts, each verified, and names the one that failed', async () => {
    const runner = createOpensshRunner({ ssh: ssh({ keepOpen: 0 }), redact: [] });
    const session = await runner.open(via('n1', ['b1', 'b2']));
    expect(await session.run(cmd('pwd'))).toMatchObject({
      exitCode: 0,
      stdoutTail: `${fleet.dirOf('n1')}\n`,
    });
    await session.close();
    const n2 = byName('n2');
    const refused = runner.open(via('n2', ['b1', 'n1']));
    await expect(refused).rejects.toBeInstanceOf(NodeUnreachableError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `cannot reach node n2 at ${n2.host}:2222: jump host 2 ${fleet.user}@${byName('n1').host}:2222: .*(prohibited|forwarding)`,
      ),
    );
    const knownHosts = join(root, 'known_hosts_without_b2');
    writeFileSync(
      knownHosts,
      `${fleet.nodes
        .filter((n) => n.name !== 'b2')
        .map((n) => n.hostKeyLine)
        .join('\n')}\n`,
    );
    const strict = createOpensshRunner({ ssh: ssh({ keepOpen: 0, knownHosts }), redact: [] });
    const unknown = strict.open(via('n1', ['b1', 'b2']));
    await expect(unknown).rejects.toBeInstanceOf(HostKeyError);
    await expect(unknown).rejects.toThrow(
      `unknown host key for [${byName('b2').host}]:2222 (jump host 2 of node n1) ssh-ed25519 SHA256:`,
    );
    await runner.close();
    await strict.close();
  });

  it('follows the operator’s ssh_config: ProxyJump and a Match block', async () => {
    const config = join(root, 'user_ssh_config');
    const [b1, n1] = [byName('b1'), byName('n1')];
    writeFileSync(
      config,
      [
        `Host ${b1.host}`,
        '  Port 2222',
        `Match host ${n1.host}`,
        `  ProxyJump ${fleet.user}@${b1.host}:2222`,
        // What a jump host reads: the same keys and known_hosts as drover passes the node.
        'Host *',
        `  UserKnownHostsFile ${fleet.knownHostsPath}`,
        `  IdentityFile ${fleet.clientKeyPath}`,
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '',
      ].join('\n'),
    );
    const runner = createOpensshRunner({ ssh: ssh({ config, keepOpen: 0 }), redact: [] });
    // The earlier tests' connections to the bastion close asynchronously: count from none.
    await until(() => fleet.connections('b1') === 0, "the bastion's earlier connections to close");
    const session = await runner.open(n1);
    try {
      expect(fleet.connections('b1')).toBe(1);
      expect(await session.run(cmd('echo jumped'))).toMatchObject({ exitCode: 0, stdoutTail: 'jumped\n' });
    } finally {
      await session.close();
      await runner.close();
    }
  });
});

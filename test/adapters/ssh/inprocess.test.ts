import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../../src/adapters/ssh/runner.js';
import { NodeUnreachableError } from '../../../src/errors.js';
import { type InProcessFleet, startInProcessFleet } from '../../support/fleet/inprocess.js';
import { poolSuite, runnerSuite } from './runner-suite.js';

let fleet: InProcessFleet;
beforeAll(async () => {
  fleet = await startInProcessFleet({ names: ['n1', 'n2', 'n3'], seedVersion: 'grizzly' });
});
afterAll(async () => {
  await fleet?.close();
});

describe('the SSH runner against in-process ssh2 servers', () => {
  const subject = {
    fleet: () => fleet,
    transport: 'node-ssh' as const,
    dropConnections: (node: string) => fleet.dropConnections(node),
    muteConnections: (node: string) => fleet.muteConnections(node),
  };
  runnerSuite(subject);
  poolSuite(subject);

  const runner = (keepOpen = 0) =>
    createSshRunner({
      ssh: {
        user: fleet.user,
        port: 22,
        privateKey: fleet.clientKeyPath,
        agent: false,
        knownHosts: fleet.knownHostsPath,
        connectTimeout: 5_000,
        keepalive: 15_000,
        keepOpen,
        concurrency: 4,
        batchPhases: true,
        outputTail: 1024,
        transport: 'node-ssh',
        config: 'none',
        jump: [],
      },
      redact: [],
    });

  it('reuses one connection for every phase of a session', async () => {
    const before = fleet.connections('n1');
    const session = await runner().open(fleet.nodes[0]!);
    for (let i = 0; i < 3; i += 1) await session.run({ phase: 'health', text: 'true', timeoutMs: 5_000 });
    await session.close();
    expect(fleet.connections('n1') - before).toBe(1);
  });

  it('gives up on a node that never answers a command, at its timeout, and keeps not its connection', async () => {
    fleet.behave('n3', { hang: true });
    const r = runner(60_000);
    const session = await r.open(fleet.nodes[2]!);
    try {
      const result = await session.run({ phase: 'health', text: 'echo never', timeoutMs: 300 });
      expect(result).toMatchObject({ exitCode: null, interrupted: 'timeout', stdoutTail: '' });
    } finally {
      fleet.behave('n3', {});
      await session.close();
    }
    const before = fleet.connections('n3');
    const next = await r.open(fleet.nodes[2]!);
    expect(await next.run({ phase: 'health', text: 'echo ok', timeoutMs: 5_000 })).toMatchObject({
      exitCode: 0,
    });
    await next.close();
    await r.close();
    expect(fleet.connections('n3') - before).toBe(1);
  });

  it('drops the connection mid-command when scripted to', async () => {
    fleet.behave('n2', { drop: { on: /health/, afterMs: 50 } });
    const session = await runner().open(fleet.nodes[1]!);
    try {
      const result = await session.run({
        phase: 'health',
        text: 'sh bin/health keystone; sleep 5',
        timeoutMs: 10_000,
      });
      expect(result).toMatchObject({ exitCode: null, interrupted: 'connection' });
    } finally {
      fleet.behave('n2', {});
      await session.close();
    }
  });

  it('slows down and floods output when scripted to', async () => {
    fleet.behave('n3', { slowMs: 400, flood: { bytes: 10 * 1024 * 1024, on: /flood/ } });
    const session = await runner().open(fleet.nodes[2]!);
    try {
      const result = await session.run({ phase: 'upgrade', text: 'echo flood-done', timeoutMs: 10_000 });
      expect(result).toMatchObject({ exitCode: 0, interrupted: null });
      expect(result.durationMs).toBeGreaterThanOrEqual(400);
      expect(result.stdoutTail).toMatch(/^\[… 10484747 bytes before this were dropped\]\nx+flood-done\n$/);
    } finally {
      fleet.behave('n3', {});
      await session.close();
    }
  });

  it('reads the key only when connecting, and names a missing key file', async () => {
    const missing = `${fleet.clientKeyPath}.missing`;
    const r = createSshRunner({
      ssh: {
        user: fleet.user,
        port: 22,
        privateKey: missing,
        agent: false,
        knownHosts: fleet.knownHostsPath,
        connectTimeout: 5_000,
        keepalive: 15_000,
        keepOpen: 0,
        concurrency: 4,
        batchPhases: true,
        outputTail: 1024,
        transport: 'node-ssh',
        config: 'none',
        jump: [],
      },
      redact: [],
    });
    const opening = r.open(fleet.nodes[0]!);
    await expect(opening).rejects.toBeInstanceOf(NodeUnreachableError);
    await expect(opening).rejects.toThrow(missing);
  });

  it('starts 200 nodes quickly and runs a command on each', async () => {
    const big = await startInProcessFleet({
      names: Array.from({ length: 200 }, (_, i) => `b${i}`),
      seedVersion: 'grizzly',
    });
    try {
      const r = createSshRunner({
        ssh: {
          user: big.user,
          port: 22,
          privateKey: big.clientKeyPath,
          agent: false,
          knownHosts: big.knownHostsPath,
          connectTimeout: 10_000,
          keepalive: 15_000,
          keepOpen: 0,
          concurrency: 50,
          batchPhases: true,
          outputTail: 1024,
          transport: 'node-ssh',
          config: 'none',
          jump: [],
        },
        redact: [],
      });
      const versions = await Promise.all(
        big.nodes.map(async (node) => {
          const session = await r.open(node);
          const result = await session.run({
            phase: 'version',
            text: 'sh bin/version keystone',
            timeoutMs: 20_000,
          });
          await session.close();
          return result.stdoutTail;
        }),
      );
      expect(new Set(versions)).toEqual(new Set(['grizzly\n']));
      expect(versions).toHaveLength(200);
    } finally {
      await big.close();
    }
  });
});

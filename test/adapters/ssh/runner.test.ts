import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimFleet, startSimFleet } from '../../../src/adapters/simfleet/fleet.js';
import { createSshRunner } from '../../../src/adapters/ssh/runner.js';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { renderTemplate } from '../../../src/engine/template.js';
import type { NodeRef } from '../../../src/engine/types.js';

let fleet: SimFleet;
let root: string;

function sshConfig(knownHosts: string): Config['ssh'] {
  return parseConfig(
    `ssh: { user: stack, privateKey: ${fleet.clientKeyPath}, knownHosts: ${knownHosts}, connectTimeout: 5s, outputTail: 1024 }
services: { s: { roles: [r] } }
releases: { repo: /nowhere, order: [a], a: { ref: main } }
phases: { version: v, upgrade: u, rollback: r }
environments: { lab: { nodes: [{ name: n1, host: 127.0.0.1, roles: [r] }] } }
operators: { slack: [U1] }`,
    'test.yaml',
    {},
  ).ssh;
}

/** Pids of processes whose command line contains `text` (pgrep never matches itself). */
function processesMatching(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', text]).toString().split('\n').filter(Boolean);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

const ref = (name: string): NodeRef => {
  const node = fleet.nodes.find((n) => n.name === name)!;
  return { name, host: node.host, port: node.port, user: 'stack', roles: ['r'], labels: {} };
};
const cmd = (text: string, timeoutMs = 10_000) => ({ phase: 'upgrade' as const, text, timeoutMs });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-ssh-'));
  fleet = await startSimFleet({ root, names: ['n1', 'n2', 'n3'], seedVersion: 'grizzly' });
});
afterAll(async () => {
  await fleet?.close();
});

describe('the SSH runner (in-process fleet)', () => {
  it('runs phases over one connection: output, exit codes, the node kit', async () => {
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: [] });
    const before = fleet.connections('n1');
    const session = await runner.open(ref('n1'));
    try {
      expect(await session.run(cmd('sh bin/version keystone'))).toMatchObject({
        exitCode: 0,
        stdoutTail: 'grizzly\n',
        interrupted: null,
      });
      expect(await session.run(cmd('echo out; echo err >&2; exit 3'))).toMatchObject({
        exitCode: 3,
        stdoutTail: 'out\n',
        stderrTail: 'err\n',
      });
      await session.run(
        cmd(renderTemplate(fleet.phases.upgrade, { service: 'keystone', commit: 'abc1234' })),
      );
      expect((await session.run(cmd('sh bin/version keystone'))).stdoutTail).toBe('abc1234\n');
    } finally {
      await session.close();
    }
    expect(fleet.connections('n1') - before).toBe(1);
    expect(fleet.upgrades('n1')).toEqual(['keystone abc1234']);
  });

  it('kills the remote process group at the phase timeout', async () => {
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: [] });
    const session = await runner.open(ref('n1'));
    const marker = `drover-hang-${randomBytes(4).toString('hex')}`;
    try {
      const result = await session.run(cmd(`sh -c 'sleep 300; echo ${marker}' & wait`, 1000));
      expect(result).toMatchObject({ exitCode: null, interrupted: 'timeout' });
      expect(processesMatching(`sleep 300; echo ${marker}`)).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('reports a dropped connection as such, not as a command failure', async () => {
    fleet.behave('n2', { dropOn: /health/, dropAfterMs: 100 });
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: [] });
    const session = await runner.open(ref('n2'));
    try {
      expect(await session.run(cmd('sh bin/health keystone; sleep 5'))).toMatchObject({
        exitCode: null,
        interrupted: 'connection',
      });
      expect(await session.run(cmd('true'))).toMatchObject({ interrupted: 'connection' });
    } finally {
      await session.close();
      fleet.behave('n2', {});
    }
  });

  it('keeps a bounded tail of huge output', async () => {
    fleet.behave('n3', { floodBytes: 10 * 1024 * 1024, floodOn: /flood/ });
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: [] });
    const session = await runner.open(ref('n3'));
    try {
      const result = await session.run(cmd('echo flood; echo last-line'));
      expect(result.exitCode).toBe(0);
      expect(result.stdoutTail.length).toBeLessThan(1200);
      expect(result.stdoutTail).toMatch(/bytes before this were dropped[\s\S]*last-line\n$/);
    } finally {
      await session.close();
      fleet.behave('n3', {});
    }
  });

  it('refuses an unknown host and a changed key, naming host, key type and fingerprint', async () => {
    const empty = join(root, 'empty_known_hosts');
    writeFileSync(empty, '');
    await expect(createSshRunner({ ssh: sshConfig(empty), redact: [] }).open(ref('n1'))).rejects.toThrow(
      /unknown host key for \[127\.0\.0\.1\]:\d+ \(node n1\) ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}/,
    );
    const n1 = fleet.nodes.find((n) => n.name === 'n1')!;
    const n2 = fleet.nodes.find((n) => n.name === 'n2')!;
    const swapped = join(root, 'swapped_known_hosts');
    writeFileSync(swapped, `${n2.hostKeyLine.replace(`:${n2.port}`, `:${n1.port}`)}\n`);
    await expect(createSshRunner({ ssh: sshConfig(swapped), redact: [] }).open(ref('n1'))).rejects.toThrow(
      /does not match .* it CHANGED/,
    );
    const revoked = join(root, 'revoked_known_hosts');
    writeFileSync(revoked, `@revoked ${n1.hostKeyLine}\n${n1.hostKeyLine}\n`);
    await expect(createSshRunner({ ssh: sshConfig(revoked), redact: [] }).open(ref('n1'))).rejects.toThrow(
      /revoked host key/,
    );
  });

  it('accepts a hashed known_hosts entry, and trusts on first use only when asked (and says so)', async () => {
    const n1 = fleet.nodes.find((n) => n.name === 'n1')!;
    const salt = randomBytes(20);
    const name = `[127.0.0.1]:${n1.port}`;
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    const file = join(root, 'hashed_known_hosts');
    writeFileSync(file, `${n1.hostKeyLine.replace(name, hashed)}\n`);
    const session = await createSshRunner({ ssh: sshConfig(file), redact: [] }).open(ref('n1'));
    await session.close();
    const tofu = join(root, 'tofu_known_hosts');
    writeFileSync(tofu, '');
    const trusted: string[] = [];
    const first = await createSshRunner({
      ssh: sshConfig(tofu),
      redact: [],
      trustOnFirstUse: true,
      onTrust: (host, type, fp) => trusted.push(`${host} ${type} ${fp}`),
    }).open(ref('n1'));
    await first.close();
    expect(trusted).toHaveLength(1);
    expect(readFileSync(tofu, 'utf8')).toContain(n1.hostKeyLine.split(' ').slice(1).join(' '));
  });

  it('runs nothing extra whatever a template value holds', async () => {
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: [] });
    const session = await runner.open(ref('n1'));
    const pwned = join(root, 'pwned');
    try {
      for (const value of [
        `havana; touch ${pwned}`,
        `$(touch ${pwned})`,
        `\`touch ${pwned}\``,
        `x' ; touch ${pwned}; '`,
        `a\ntouch ${pwned}`,
        `"; touch ${pwned}; "`,
      ]) {
        const result = await session.run(
          cmd(renderTemplate('echo {{release}} /srv/{{node}}/bin', { release: value, node: value })),
        );
        expect(result.exitCode).toBe(0);
        expect(result.stdoutTail).toBe(`${value} /srv/${value}/bin\n`);
      }
    } finally {
      await session.close();
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it('redacts secrets from output before it leaves the adapter', async () => {
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: ['ACME-[0-9]+'] });
    const session = await runner.open(ref('n1'));
    try {
      const result = await session.run(
        cmd(
          `echo "password=hunter2 token: xoxb-123456789-abcdefgh ACME-4242"; printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\nabc\\n-----END OPENSSH PRIVATE KEY-----\\n' >&2`,
        ),
      );
      expect(result.stdoutTail).toBe('password=[redacted] token=[redacted] [redacted]\n');
      expect(result.stderrTail).toBe('[redacted]\n');
    } finally {
      await session.close();
    }
  });

  it('reports an unreachable node', async () => {
    const runner = createSshRunner({ ssh: sshConfig(fleet.knownHostsPath), redact: [] });
    await expect(runner.open({ ...ref('n1'), port: 1 })).rejects.toThrow(
      /cannot reach node n1 at 127\.0\.0\.1:1/,
    );
  });
});

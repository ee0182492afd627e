// The SSH runner's behaviour, run against any test fleet (in-process ssh2 servers, real sshd).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { SshRunnerOptions } from '../../../src/adapters/ssh/runner.js';
import { createNodeRunner } from '../../../src/adapters/ssh/transport.js';
import type { Config } from '../../../src/config/schema.js';
import type { NodeSession } from '../../../src/engine/ports.js';
import { HostKeyError, NodeUnreachableError } from '../../../src/errors.js';
import { renderTemplate } from '../../../src/shell/template.js';
import { type Fleet, hashedLine, knownHostName } from '../../support/fleet/common.js';
import { batchSuite } from './batch-suite.js';

export interface Subject {
  fleet: () => Fleet;
  /** The transport under test. */
  transport: Config['ssh']['transport'];
  dropConnections: (node: string) => void;
  /** The node's open connections go silent (still open), as when it dies without a word. */
  muteConnections: (node: string) => void;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Pids of processes whose command line contains `text` (pgrep never matches itself). */
function processesMatching(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', text]).toString().split('\n').filter(Boolean);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function runnerSuite(subject: Subject): void {
  batchSuite(subject);
  const root = mkdtempSync(join(tmpdir(), 'drover-ssh-'));
  const ssh = (knownHosts?: string): Config['ssh'] => ({
    user: subject.fleet().user,
    port: 22,
    privateKey: subject.fleet().clientKeyPath,
    agent: false,
    knownHosts: knownHosts ?? subject.fleet().knownHostsPath,
    connectTimeout: 5_000,
    keepalive: 15_000,
    keepOpen: 0,
    concurrency: 4,
    batchPhases: true,
    outputTail: 1024,
    transport: subject.transport,
    config: 'none',
    jump: [],
  });
  const runner = (extra: Partial<SshRunnerOptions> = {}) =>
    createNodeRunner({ ssh: ssh(), redact: [], ...extra });
  const node = (index: number) => subject.fleet().nodes[index]!;
  const cmd = (text: string, timeoutMs = 10_000) => ({ phase: 'upgrade' as const, text, timeoutMs });

  it('runs phases over one connection: output, exit codes, the node kit', async () => {
    const fleet = subject.fleet();
    const session = await runner().open(node(0));
    try {
      expect(
        await session.run(cmd(renderTemplate(fleet.phases.version, { service: 'keystone' }))),
      ).toMatchObject({
        exitCode: 0,
        stdoutTail: 'grizzly\n',
        interrupted: null,
      });
      expect(await session.run(cmd('echo out; echo err >&2; exit 3'))).toMatchObject({
        exitCode: 3,
        stdoutTail: 'out\n',
        stderrTail: 'err\n',
        interrupted: null,
      });
      await session.run(
        cmd(renderTemplate(fleet.phases.upgrade, { service: 'keystone', commit: 'abc1234' })),
      );
      expect((await session.run(cmd('sh bin/version keystone'))).stdoutTail).toBe('abc1234\n');
    } finally {
      await session.close();
    }
    expect(fleet.upgrades(node(0).name)).toEqual(['keystone abc1234']);
  });

  it('accepts every node of the generated known_hosts, plain and hashed entries', async () => {
    const text = readFileSync(subject.fleet().knownHostsPath, 'utf8');
    const hashedFile = join(root, 'all_hashed');
    writeFileSync(hashedFile, `${subject.fleet().nodes.map(hashedLine).join('\n')}\n`);
    for (const knownHosts of [subject.fleet().knownHostsPath, hashedFile]) {
      const r = createNodeRunner({ ssh: ssh(knownHosts), redact: [] });
      for (const target of subject.fleet().nodes) {
        const session = await r.open(target);
        expect((await session.run(cmd('echo ok'))).stdoutTail).toBe('ok\n');
        await session.close();
      }
    }
    expect(text.split('\n').filter(Boolean).length).toBe(subject.fleet().nodes.length);
  });

  it('kills the remote process group at the phase timeout', async () => {
    const session = await runner().open(node(0));
    const marker = `drover-hang-${randomBytes(4).toString('hex')}`;
    try {
      const result = await session.run(cmd(`sh -c 'sleep 300; echo ${marker}' & wait`, 1000));
      expect(result).toMatchObject({ exitCode: null, interrupted: 'timeout' });
      expect(result.durationMs).toBeLessThan(5_000);
      await until(() => processesMatching(marker).length === 0, `the remote ${marker} processes to go`);
      // The connection is still good for the next phase.
      expect(await session.run(cmd('echo next'))).toMatchObject({ exitCode: 0, stdoutTail: 'next\n' });
    } finally {
      await session.close();
    }
  });

  it('reports a connection dropped mid-command as such, not as an exit code', async () => {
    const target = node(1);
    const session = await runner().open(target);
    const started = join(target.dir, `started-${randomBytes(3).toString('hex')}`);
    try {
      const running = session.run(cmd(`touch ${started}; echo before; sleep 20`));
      await until(() => existsSync(started), 'the command to start');
      subject.dropConnections(target.name);
      expect(await running).toMatchObject({ exitCode: null, interrupted: 'connection' });
      expect(await session.run(cmd('true'))).toMatchObject({ interrupted: 'connection' });
    } finally {
      await session.close();
    }
  });

  it('keeps a bounded tail of 10 MB of output', async () => {
    const session = await runner().open(node(2));
    try {
      const result = await session.run(cmd(`head -c 10485760 /dev/zero | tr '\\0' x; echo; echo last-line`));
      expect(result.exitCode).toBe(0);
      expect(result.stdoutTail.length).toBeLessThan(1200);
      // 10 MiB + '\n' + 'last-line\n' printed, the last 1024 bytes kept.
      expect(result.stdoutTail).toMatch(/10484747 bytes before this were dropped[\s\S]*x\nlast-line\n$/);
    } finally {
      await session.close();
    }
  });

  it('refuses an unknown host and a changed key, naming host, key type and fingerprint', async () => {
    const [n1, n2] = [node(0), node(1)];
    const name = escapeRegex(knownHostName(n1.host, n1.port));
    const empty = join(root, 'empty_known_hosts');
    writeFileSync(empty, '');
    const unknown = createNodeRunner({ ssh: ssh(empty), redact: [] }).open(n1);
    await expect(unknown).rejects.toBeInstanceOf(HostKeyError);
    await expect(unknown).rejects.toThrow(
      new RegExp(
        `unknown host key for ${name} \\(node ${n1.name}\\) ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}(?!=)`,
      ),
    );
    const swapped = join(root, 'swapped_known_hosts');
    const [, type, key] = n2.hostKeyLine.split(' ');
    writeFileSync(swapped, `${knownHostName(n1.host, n1.port)} ${type} ${key}\n`);
    const changed = createNodeRunner({ ssh: ssh(swapped), redact: [] }).open(n1);
    await expect(changed).rejects.toBeInstanceOf(HostKeyError);
    await expect(changed).rejects.toThrow(
      new RegExp(
        `host key for ${name} \\(node ${n1.name}\\) ssh-ed25519 SHA256:\\S{43} does not match .* CHANGED`,
      ),
    );
    const revoked = join(root, 'revoked_known_hosts');
    writeFileSync(revoked, `@revoked ${n1.hostKeyLine}\n${n1.hostKeyLine}\n`);
    await expect(createNodeRunner({ ssh: ssh(revoked), redact: [] }).open(n1)).rejects.toThrow(
      /revoked host key/,
    );
  });

  it('names the fingerprint exactly as ssh-keygen prints it', async () => {
    const n1 = node(0);
    const empty = join(root, 'empty_for_fp');
    writeFileSync(empty, '');
    const pub = join(root, 'n1.pub');
    writeFileSync(pub, `${n1.hostKeyLine.split(' ').slice(1).join(' ')}\n`);
    const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub]).toString().split(' ')[1]!;
    await expect(createNodeRunner({ ssh: ssh(empty), redact: [] }).open(n1)).rejects.toThrow(printed);
  });

  it('trusts on first use only when asked, appending the key and reporting it', async () => {
    const n1 = node(0);
    const tofu = join(root, 'tofu_known_hosts');
    writeFileSync(tofu, '');
    const trusted: string[] = [];
    const first = await createNodeRunner({
      ssh: ssh(tofu),
      redact: [],
      trustOnFirstUse: true,
      onTrust: (host, type, fp) => trusted.push(`${host} ${type} ${fp}`),
    }).open(n1);
    await first.close();
    expect(trusted).toEqual([expect.stringMatching(/ ssh-ed25519 SHA256:/)]);
    expect(readFileSync(tofu, 'utf8')).toBe(`${n1.hostKeyLine}\n`);
    const again = await createNodeRunner({ ssh: ssh(tofu), redact: [] }).open(n1);
    await again.close();
  });

  it('runs nothing extra whatever a template value holds', async () => {
    const session = await runner().open(node(0));
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
          cmd(renderTemplate('printf "%s|" {{release}} /srv/{{node}}/bin', { release: value, node: value })),
        );
        expect(result.exitCode).toBe(0);
        expect(result.stdoutTail).toBe(`${value}|/srv/${value}/bin|`);
      }
    } finally {
      await session.close();
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it('redacts secrets from output before it leaves the adapter', async () => {
    const session = await runner({ redact: ['ACME-[0-9]+'] }).open(node(0));
    try {
      const result = await session.run(
        cmd(
          `echo "password=hunter2 token: xoxb-123456789-abcdefgh ACME-4242"; printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\nabc\\n-----END OPENSSH PRIVATE KEY-----\\n' >&2`,
        ),
      );
      expect(result.stdoutTail).toBe('password=[redacted] token: [redacted] [redacted]\n');
      expect(result.stderrTail).toBe('[redacted]\n');
    } finally {
      await session.close();
    }
  });

  it('reports an unreachable node', async () => {
    const target = { ...node(0), port: 1 };
    const refused = runner().open(target);
    await expect(refused).rejects.toBeInstanceOf(NodeUnreachableError);
    await expect(refused).rejects.toThrow(
      new RegExp(`cannot reach node ${target.name} at ${escapeRegex(target.host)}:1`),
    );
  });
}

/** The node-ssh transport's own pool of idle connections (the openssh transport's is ControlMaster). */
export function poolSuite(subject: Subject): void {
  const ssh = (): Config['ssh'] => ({
    user: subject.fleet().user,
    port: 22,
    privateKey: subject.fleet().clientKeyPath,
    agent: false,
    knownHosts: subject.fleet().knownHostsPath,
    connectTimeout: 5_000,
    keepalive: 15_000,
    keepOpen: 0,
    concurrency: 4,
    batchPhases: true,
    outputTail: 1024,
    transport: subject.transport,
    config: 'none',
    jump: [],
  });
  const root = mkdtempSync(join(tmpdir(), 'drover-ssh-pool-'));
  const node = (index: number) => subject.fleet().nodes[index]!;
  const cmd = (text: string, timeoutMs = 10_000) => ({ phase: 'upgrade' as const, text, timeoutMs });
  const pooled = (extra: Partial<Config['ssh']> = {}) =>
    createNodeRunner({ ssh: { ...ssh(), keepOpen: 60_000, ...extra }, redact: [] });
  /** Which connection a session runs on, as the node's sshd tells it: client and server address and port. */
  const connectionOf = async (session: NodeSession) => {
    const result = await session.run(cmd('echo "$SSH_CONNECTION"'));
    expect(result).toMatchObject({ exitCode: 0, interrupted: null });
    return result.stdoutTail.trim();
  };
  /** The kernel's TCP states of the connection's client end (`SSH_CONNECTION` names its ports). */
  const tcpStates = (connection: string) => {
    const [, clientPort, , serverPort] = connection.split(' ').map((part) => Number(part));
    const hex = (port: number | undefined) => (port ?? -1).toString(16).toUpperCase().padStart(4, '0');
    return readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(
        ([, local, remote]) =>
          local?.endsWith(`:${hex(clientPort)}`) && remote?.endsWith(`:${hex(serverPort)}`),
      )
      .map(([, , , state]) => state);
  };
  const ESTABLISHED = '01';
  const CLOSE_WAIT = '08';
  const established = (connection: string) => tcpStates(connection).includes(ESTABLISHED);

  it('keeps an idle connection for the node’s next session, and closes it with the runner', async () => {
    const r = pooled();
    const first = await r.open(node(0));
    const used = await connectionOf(first);
    expect(used).toMatch(/^\S+ \d+ \S+ \d+$/);
    await first.close();
    expect(established(used)).toBe(true);
    const second = await r.open(node(0));
    expect(await connectionOf(second)).toBe(used);
    // A session open at the same time gets a connection of its own, and so does another node.
    const third = await r.open(node(0));
    const other = await r.open(node(1));
    const kept = [used, await connectionOf(third), await connectionOf(other)];
    expect(new Set(kept).size).toBe(3);
    for (const session of [second, third, other]) await session.close();
    expect(kept.map(established)).toEqual([true, true, true]);
    await r.close();
    await until(() => !kept.some(established), 'the idle connections to close');
    // keepOpen 0: every session on a connection of its own, closed with the session.
    const once = pooled({ keepOpen: 0 });
    const a = await once.open(node(0));
    const aConnection = await connectionOf(a);
    await a.close();
    await until(() => !established(aConnection), 'the connection to close with its session');
    const b = await once.open(node(0));
    expect(await connectionOf(b)).not.toBe(aConnection);
    await b.close();
  });

  it('connects afresh when the idle connection closed or known_hosts changed', async () => {
    const knownHosts = join(root, 'pooled_known_hosts');
    writeFileSync(knownHosts, readFileSync(subject.fleet().knownHostsPath));
    const r = pooled({ knownHosts });
    try {
      const first = await r.open(node(1));
      const used = await connectionOf(first);
      await first.close();
      subject.dropConnections(node(1).name);
      // The node closed it and this process closed its end (no longer CLOSE_WAIT); the close
      // event reaches the runner in the next event-loop turns.
      await until(
        () => !tcpStates(used).some((state) => state === ESTABLISHED || state === CLOSE_WAIT),
        'the connection to be closed at both ends',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = await r.open(node(1));
      const next = await connectionOf(second);
      expect(next).not.toBe(used);
      await second.close();
      writeFileSync(knownHosts, `# reviewed\n${readFileSync(knownHosts, 'utf8')}`);
      const third = await r.open(node(1));
      expect(await connectionOf(third)).not.toBe(next);
      await third.close();
    } finally {
      await r.close();
    }
  });

  it('gives a reused connection that went silent up within connectTimeout, as a dropped connection', async () => {
    const r = pooled({ connectTimeout: 1_000 });
    const target = node(2);
    try {
      const first = await r.open(target);
      await connectionOf(first);
      await first.close();
      subject.muteConnections(target.name);
      const second = await r.open(target);
      const started = Date.now();
      const result = await second.run(cmd('echo hello'));
      expect(result).toMatchObject({ exitCode: null, interrupted: 'connection' });
      expect(result.stderrTail).toMatch(/did not answer within 1s/);
      expect(Date.now() - started).toBeLessThan(4_000);
      await second.close();
      const third = await r.open(target);
      expect(await third.run(cmd('echo again'))).toMatchObject({ exitCode: 0, stdoutTail: 'again\n' });
      await third.close();
    } finally {
      subject.dropConnections(target.name);
      await r.close();
    }
  });
}

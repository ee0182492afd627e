// A fleet of real OpenSSH servers: one `sshd -D` per node on its own loopback address
// (127.A.B.1…N, port 2222, a random /24 so parallel fleets do not collide), each with its own
// ed25519 host key. Every node logs in the dedicated user `drover-fleet`; each node's sshd
// has `ForceCommand cd <node dir> && exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"`, so commands
// run in the node's directory and the kit's relative phase templates work unchanged.
// known_hosts holds plain lines for odd-numbered nodes and hashed (`|1|…`) lines for even ones.
// Needs root and /usr/sbin/sshd: `opensshUnavailable()` says why not, for a printed skip.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type Fleet,
  type FleetNode,
  generateKey,
  hashedLine,
  installKit,
  KIT_PHASES,
  knownHostName,
  upgradesIn,
} from './common.js';

const SSHD = '/usr/sbin/sshd';
export const FLEET_USER = 'drover-fleet';
const FLEET_HOME = '/var/lib/drover-fleet';
const PORT = 2222;

export interface OpensshFleet extends Fleet {
  /** Kills the node's open connections (its sshd's session processes and what they run). */
  dropConnections(node: string): void;
  /** Stops (SIGSTOP) the node's session processes: its connections go silent, still open. */
  muteConnections(node: string): void;
  /** Connections the node's sshd holds now (one forked child each). */
  connections(node: string): number;
}

export interface OpensshFleetOptions {
  /** A directory the login user can traverse (default: a fresh one under the OS temp dir). */
  root?: string;
  names: string[];
  seedVersion: string;
  /** sshd's MaxStartups / MaxSessions (defaults sized for a 200-node benchmark). */
  maxStartups?: number;
  /** Nodes whose sshd allows TCP forwarding (jump hosts); every other node's refuses it. */
  forwarding?: string[];
  /** Per node: sshd_config lines added (e.g. `HostCertificate <path>`). */
  sshdExtra?: (name: string, hostKeyPath: string, host: string) => string[];
}

/** Why an OpenSSH fleet cannot start here, or undefined when it can. */
export function opensshUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the OpenSSH fleet needs root (to run sshd and add its login user)';
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  return undefined;
}

function userExists(): boolean {
  try {
    execFileSync('id', ['-u', FLEET_USER], { stdio: 'ignore' });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 1) return false;
    throw error;
  }
}

function ensureLoginUser(): { uid: number; gid: number } {
  if (!userExists()) {
    try {
      execFileSync('useradd', ['-M', '-d', FLEET_HOME, '-s', '/bin/sh', FLEET_USER], { stdio: 'pipe' });
    } catch (error) {
      // Another fleet starting at the same moment may have added it first.
      if (!userExists()) throw error;
    }
  }
  // With UsePAM no, a locked account (`!` in shadow) refuses even key logins.
  const shadow = readFileSync('/etc/shadow', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${FLEET_USER}:`));
  if (shadow?.split(':')[1] !== '*') execFileSync('usermod', ['-p', '*', '-d', FLEET_HOME, FLEET_USER]);
  const uid = Number(execFileSync('id', ['-u', FLEET_USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', FLEET_USER]).toString().trim());
  mkdirSync(FLEET_HOME, { recursive: true, mode: 0o755 });
  chownSync(FLEET_HOME, uid, gid);
  return { uid, gid };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

async function freeSubnet(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const subnet = `127.${20 + Math.floor(Math.random() * 230)}.${Math.floor(Math.random() * 256)}`;
    if (!(await answers(`${subnet}.1`, PORT))) return subnet;
  }
  throw new Error('no free 127.x.y.0/24 subnet found for the OpenSSH fleet');
}

async function waitListening(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd on ${host} exited: ${stderr()}`);
    if (await answers(host, PORT)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd on ${host}:${PORT} did not listen within 20 s: ${stderr()}`);
}

/** Pids of the direct children of `pid`. */
function childrenOf(pid: number): number[] {
  return parentsOf().get(pid) ?? [];
}

/** Pids of every descendant of `pid`, parents before children. */
function descendants(pid: number): number[] {
  const children = parentsOf();
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** Every process's children, by parent pid. */
function parentsOf(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ENOENT' ||
        (error as NodeJS.ErrnoException).code === 'ESRCH'
      )
        continue;
      throw error;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  return children;
}

function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export async function startOpensshFleet(options: OpensshFleetOptions): Promise<OpensshFleet> {
  const reason = opensshUnavailable();
  if (reason) throw new Error(reason);
  const root = resolve(options.root ?? mkdtempSync(join(tmpdir(), 'drover-openssh-')));
  mkdirSync(join(root, 'nodes'), { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(join(root, 'nodes'), 0o755);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const { uid, gid } = ensureLoginUser();

  const clientKey = generateKey();
  const clientKeyPath = join(root, 'id_ed25519');
  writeFileSync(clientKeyPath, clientKey.private, { mode: 0o600 });
  const authorizedKeys = join(root, 'authorized_keys');
  writeFileSync(authorizedKeys, `${clientKey.public}\n`, { mode: 0o644 });

  const subnet = await freeSubnet();
  const children: ChildProcess[] = [];
  const pids = new Map<string, number>();
  const nodes: FleetNode[] = [];
  const maxStartups = options.maxStartups ?? 400;
  try {
    const starting = options.names.map(async (name, index) => {
      const host = `${subnet}.${index + 1}`;
      const dir = join(root, 'nodes', name);
      installKit(dir, options.seedVersion);
      for (const path of [dir, join(dir, 'bin'), join(dir, 'state')]) chownSync(path, uid, gid);
      for (const file of readdirSync(dir)) chownSync(join(dir, file), uid, gid);
      const hostKey = generateKey();
      const hostKeyPath = join(root, `${name}.host_key`);
      writeFileSync(hostKeyPath, hostKey.private, { mode: 0o600 });
      const configPath = join(root, `${name}.sshd_config`);
      writeFileSync(
        configPath,
        [
          `ListenAddress ${host}:${PORT}`,
          `HostKey ${hostKeyPath}`,
          `PidFile none`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          'StrictModes no',
          'UsePAM no',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PubkeyAuthentication yes',
          `AllowUsers ${FLEET_USER}`,
          `MaxStartups ${maxStartups}`,
          'MaxSessions 64',
          'UseDNS no',
          'PrintMotd no',
          'LogLevel ERROR',
          `AllowTcpForwarding ${options.forwarding?.includes(name) ? 'yes' : 'no'}`,
          ...(options.sshdExtra?.(name, hostKeyPath, host) ?? []),
          `ForceCommand cd ${dir} && exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"`,
          '',
        ].join('\n'),
      );
      const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
      await waitListening(host, child, () => stderr);
      pids.set(name, child.pid!);
      const [type, key] = hostKey.public.split(' ');
      return {
        name,
        host,
        port: PORT,
        user: FLEET_USER,
        roles: [],
        labels: {},
        dir,
        hostKeyLine: `${knownHostName(host, PORT)} ${type} ${key}`,
      } satisfies FleetNode;
    });
    nodes.push(...(await Promise.all(starting)));
  } catch (error) {
    for (const child of children) if (child.pid) kill(child.pid);
    throw error;
  }
  const knownHostsPath = join(root, 'known_hosts');
  writeFileSync(
    knownHostsPath,
    `${nodes.map((node, i) => (i % 2 === 1 ? hashedLine(node) : node.hostKeyLine)).join('\n')}\n`,
  );
  const dirs = new Map(nodes.map((node) => [node.name, node.dir]));
  // A test process that dies without close() must not leave sshd servers behind.
  const onExit = () => {
    for (const child of children) if (child.pid && child.exitCode === null) kill(child.pid);
  };
  process.once('exit', onExit);
  return {
    nodes,
    user: FLEET_USER,
    knownHostsPath,
    clientKeyPath,
    phases: KIT_PHASES,
    dirOf: (node) => dirs.get(node)!,
    upgrades: (node) => upgradesIn(dirs.get(node)!),
    dropConnections(node) {
      const below = descendants(pids.get(node)!);
      for (const pid of below) kill(pid);
    },
    connections(node) {
      return childrenOf(pids.get(node)!).length;
    },
    muteConnections(node) {
      for (const pid of descendants(pids.get(node)!)) kill(pid, 'SIGSTOP');
    },
    async close() {
      process.off('exit', onExit);
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              for (const pid of descendants(child.pid!)) kill(pid);
              kill(child.pid!);
            }),
        ),
      );
    },
  };
}

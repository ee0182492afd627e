// A simulated fleet that speaks real SSH: one ssh2 Server per node on 127.0.0.1, each with
// its own port, host key and directory, running every command for real with `/bin/sh -c` in
// that directory (where the node kit lives). Protocol trouble is scripted per node with
// `behave()`:
//   hang    — accept the command and never answer (nothing runs)
//   drop    — close the connection `afterMs` after a matching command starts (mid-command)
//   slowMs  — wait this long before running each command
//   flood   — write `bytes` of filler to stdout before running a matching command
// Used by `drover demo` and by the tests; 200 nodes start in well under a second.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { hostName } from '../adapters/ssh/known-hosts.js';
import type { NodeRef } from '../engine/types.js';
import { installKit, KIT_PHASES } from './kit.js';

export interface SimNode extends NodeRef {
  dir: string;
  /** Its known_hosts line (`[127.0.0.1]:port type key`). */
  hostKeyLine: string;
}

/**
 * An ed25519 key pair that ssh2 can read back: its generator now and then writes a key its own
 * parser rejects, so draw again until both halves parse.
 */
export function generateKey(): { private: string; public: string } {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (
      !(ssh2.utils.parseKey(pair.private) instanceof Error) &&
      !(ssh2.utils.parseKey(pair.public) instanceof Error)
    )
      return pair;
  }
  throw new Error('could not generate a readable ed25519 key in 10 attempts');
}

/** Lines of a node directory's upgrade.log: one per `upgrade` invocation. */
export function upgradesIn(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'upgrade.log'), 'utf8').split('\n').filter(Boolean);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const { Server, utils } = ssh2;

export interface Behaviour {
  hang?: boolean | RegExp;
  drop?: { on?: RegExp; afterMs?: number };
  slowMs?: number;
  flood?: { bytes: number; on?: RegExp };
}

/** What every fleet the tests use hands over (the OpenSSH fleet too). */
export interface Fleet {
  nodes: SimNode[];
  /** The login user every node accepts. */
  user: string;
  knownHostsPath: string;
  clientKeyPath: string;
  /** Phase templates for the kit, relative to the node directory (the login directory). */
  phases: typeof KIT_PHASES;
  dirOf(node: string): string;
  /** Lines of a node's upgrade.log: one per `upgrade` invocation (`<service> <commit>`). */
  upgrades(node: string): string[];
  close(): Promise<void>;
}

export interface SimFleet extends Fleet {
  behave(node: string, behaviour: Behaviour): void;
  /** Connections accepted so far by a node. */
  connections(node: string): number;
  /** Commands a node has received, in order. */
  commands(node: string): string[];
  /** Closes the node's open connections now. */
  dropConnections(node: string): void;
  /** The node's open connections stop answering, as a node that died without closing them. */
  muteConnections(node: string): void;
  /** The node's sshd stops (new connections are refused) and starts again on the same port. */
  down(node: string): Promise<void>;
  up(node: string): Promise<void>;
}

export interface SimFleetOptions {
  root?: string;
  names: string[];
  seedVersion: string;
}

const matches = (rule: boolean | RegExp | undefined, command: string) =>
  rule === true || (rule instanceof RegExp && rule.test(command));

export async function startSimFleet(options: SimFleetOptions): Promise<SimFleet> {
  const root = resolve(options.root ?? mkdtempSync(join(tmpdir(), 'drover-fleet-')));
  mkdirSync(root, { recursive: true });
  const clientKey = generateKey();
  const clientKeyPath = join(root, 'id_ed25519');
  writeFileSync(clientKeyPath, clientKey.private, { mode: 0o600 });
  const clientPublic = utils.parseKey(clientKey.public);
  if (clientPublic instanceof Error) throw clientPublic;

  const behaviours = new Map<string, Behaviour>();
  const accepted = new Map<string, number>();
  const received = new Map<string, string[]>();
  const servers: Array<InstanceType<typeof Server>> = [];
  const clients = new Map<ssh2.Connection, string>();
  const muted = new Set<ssh2.Connection>();
  const children = new Set<ReturnType<typeof spawn>>();
  const byName = new Map<string, InstanceType<typeof Server>>();
  const stopped = new Set<string>();

  const startNode = async (name: string): Promise<SimNode> => {
    const dir = join(root, 'nodes', name);
    installKit(dir, options.seedVersion);
    const hostKey = generateKey();
    const server = new Server({ hostKeys: [hostKey.private] }, (client, info) => {
      accepted.set(name, (accepted.get(name) ?? 0) + 1);
      clients.set(client, name);
      const gone = () => {
        clients.delete(client);
        muted.delete(client);
      };
      client.on('close', gone);
      // A client that vanishes mid-handshake is normal here (refused host keys, drops).
      client.on('error', gone);
      // As OpenSSH sets it: client address and port, server address and port.
      const sshConnection = `${info.ip} ${info.port} 127.0.0.1 ${(server.address() as AddressInfo).port}`;
      client.on('authentication', (ctx) => {
        const ok =
          ctx.method === 'publickey' &&
          ctx.key.algo === clientPublic.type &&
          ctx.key.data.equals(clientPublic.getPublicSSH()) &&
          (!ctx.signature || clientPublic.verify(ctx.blob!, ctx.signature, ctx.hashAlgo));
        if (ok) ctx.accept();
        else ctx.reject(['publickey']);
      });
      client.on('ready', () => {
        client.on('session', (acceptSession) => {
          // Neither accepted nor rejected: the client waits, as on a connection gone silent.
          if (muted.has(client)) return;
          const session = acceptSession();
          session.on('exec', (acceptExec, _reject, info) => {
            const stream = acceptExec();
            received.set(name, [...(received.get(name) ?? []), info.command]);
            const behaviour = behaviours.get(name) ?? {};
            if (matches(behaviour.hang, info.command)) return;
            const run = () => {
              const { drop, flood } = behaviour;
              if (drop && (!drop.on || drop.on.test(info.command)))
                setTimeout(() => client.end(), drop.afterMs ?? 0);
              if (flood && (!flood.on || flood.on.test(info.command))) {
                const block = Buffer.alloc(64 * 1024, 'x');
                for (let sent = 0; sent < flood.bytes; sent += block.length) stream.write(block);
              }
              const child = spawn('/bin/sh', ['-c', info.command], {
                cwd: dir,
                env: {
                  PATH: process.env.PATH ?? '/usr/bin:/bin',
                  NODE_NAME: name,
                  SSH_CONNECTION: sshConnection,
                },
              });
              children.add(child);
              child.stdout.on('data', (chunk) => stream.write(chunk));
              child.stderr.on('data', (chunk) => stream.stderr.write(chunk));
              child.on('close', (code, signal) => {
                children.delete(child);
                if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
                else stream.exit(code ?? 255);
                stream.end();
              });
              stream.on('close', () => {
                if (child.exitCode === null) child.kill('SIGKILL');
              });
            };
            if (behaviour.slowMs) setTimeout(run, behaviour.slowMs);
            else run();
          });
        });
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push(server);
    byName.set(name, server);
    const port = (server.address() as AddressInfo).port;
    const [type, key] = hostKey.public.split(' ');
    return {
      name,
      host: '127.0.0.1',
      port,
      user: 'stack',
      roles: [],
      labels: {},
      dir,
      hostKeyLine: `${hostName('127.0.0.1', port)} ${type} ${key}`,
    };
  };

  const nodes = await Promise.all(options.names.map(startNode));
  const knownHostsPath = join(root, 'known_hosts');
  writeFileSync(knownHostsPath, `${nodes.map((node) => node.hostKeyLine).join('\n')}\n`);
  const dirs = new Map(nodes.map((node) => [node.name, node.dir]));
  return {
    nodes,
    user: 'stack',
    knownHostsPath,
    clientKeyPath,
    phases: KIT_PHASES,
    dirOf: (node) => dirs.get(node)!,
    upgrades: (node) => upgradesIn(dirs.get(node)!),
    behave: (node, behaviour) => behaviours.set(node, behaviour),
    connections: (node) => accepted.get(node) ?? 0,
    commands: (node) => received.get(node) ?? [],
    dropConnections(node) {
      for (const [client, owner] of clients) if (owner === node) client.end();
    },
    muteConnections(node) {
      for (const [client, owner] of clients) if (owner === node) muted.add(client);
    },
    async down(node) {
      const server = byName.get(node)!;
      if (stopped.has(node)) return;
      stopped.add(node);
      // New connections are refused at once; the open ones end, as when sshd stops.
      const closed = new Promise<void>((done) => server.close(() => done()));
      for (const [client, owner] of clients) if (owner === node) client.end();
      await closed;
    },
    async up(node) {
      const server = byName.get(node)!;
      const port = nodes.find((n) => n.name === node)!.port;
      if (!stopped.delete(node)) return;
      await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      for (const client of clients.keys()) client.end();
      await Promise.all(
        servers.map((server) =>
          [...stopped].some((name) => byName.get(name) === server)
            ? undefined
            : new Promise<void>((done) => server.close(() => done())),
        ),
      );
    },
  };
}

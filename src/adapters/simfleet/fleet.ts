// A simulated fleet that speaks real SSH: one ssh2 Server per node on 127.0.0.1, each with
// its own host key and directory, executing commands for real with /bin/sh in that
// directory. Protocol-level trouble can be scripted per node: a dropped connection, slowness,
// a flood of output. Used by `drover demo` and by the tests.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { installKit, KIT_PHASES } from './kit.js';

const { Server, utils } = ssh2;

export interface Behaviour {
  /** Close the connection when a command matching this runs (after `dropAfterMs`). */
  dropOn?: RegExp;
  dropAfterMs?: number;
  /** Wait this long before running each command. */
  slowMs?: number;
  /** Print this many bytes of filler to stdout before each command matching `floodOn`. */
  floodBytes?: number;
  floodOn?: RegExp;
}

export interface SimNode {
  name: string;
  host: string;
  port: number;
  dir: string;
  hostKeyLine: string;
}

export interface SimFleet {
  nodes: SimNode[];
  user: string;
  knownHostsPath: string;
  clientKeyPath: string;
  phases: typeof KIT_PHASES;
  dirOf(node: string): string;
  behave(node: string, behaviour: Behaviour): void;
  /** Lines of a node's upgrade.log: one per `upgrade` invocation. */
  upgrades(node: string): string[];
  /** Connections accepted so far, per node. */
  connections(node: string): number;
  close(): Promise<void>;
}

export interface SimFleetOptions {
  root: string;
  names: string[];
  seedVersion: string;
}

/**
 * An ed25519 key pair that ssh2 can read back: its generator now and then writes a key its own
 * parser rejects, so draw again until both halves parse.
 */
export function generateKey(): { private: string; public: string } {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
  }
  throw new Error('could not generate a readable ed25519 key in 10 attempts');
}

export async function startSimFleet(options: SimFleetOptions): Promise<SimFleet> {
  mkdirSync(options.root, { recursive: true });
  const clientKey = generateKey();
  const clientKeyPath = join(options.root, 'id_ed25519');
  writeFileSync(clientKeyPath, clientKey.private, { mode: 0o600 });
  const clientPublic = utils.parseKey(clientKey.public);
  if (clientPublic instanceof Error) throw clientPublic;

  const behaviours = new Map<string, Behaviour>();
  const accepted = new Map<string, number>();
  const servers: Array<InstanceType<typeof Server>> = [];
  const clients = new Set<ssh2.Connection>();
  const nodes: SimNode[] = [];
  for (const name of options.names) {
    const dir = join(options.root, 'nodes', name);
    installKit(dir, options.seedVersion);
    const hostKey = generateKey();
    const hostPublic = utils.parseKey(hostKey.public);
    if (hostPublic instanceof Error) throw hostPublic;
    const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
      accepted.set(name, (accepted.get(name) ?? 0) + 1);
      clients.add(client);
      client.on('close', () => clients.delete(client));
      client.on('error', () => undefined);
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
        client.on('session', (accept) => {
          const session = accept();
          session.on('exec', (acceptExec, _reject, info) => {
            const stream = acceptExec();
            const behaviour = behaviours.get(name) ?? {};
            const run = () => {
              if (behaviour.dropOn?.test(info.command)) {
                setTimeout(() => client.end(), behaviour.dropAfterMs ?? 0);
              }
              if (behaviour.floodBytes && (!behaviour.floodOn || behaviour.floodOn.test(info.command))) {
                const block = Buffer.alloc(64 * 1024, 'x');
                for (let sent = 0; sent < behaviour.floodBytes; sent += block.length) stream.write(block);
              }
              const child = spawn('/bin/sh', ['-c', info.command], {
                cwd: dir,
                env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_NAME: name },
              });
              child.stdout.on('data', (chunk) => stream.write(chunk));
              child.stderr.on('data', (chunk) => stream.stderr.write(chunk));
              child.on('close', (code, signal) => {
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
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    servers.push(server);
    nodes.push({
      name,
      host: '127.0.0.1',
      port,
      dir,
      hostKeyLine: `[127.0.0.1]:${port} ${hostPublic.type} ${hostPublic.getPublicSSH().toString('base64')}`,
    });
  }
  const knownHostsPath = join(options.root, 'known_hosts');
  writeFileSync(knownHostsPath, `${nodes.map((node) => node.hostKeyLine).join('\n')}\n`);
  const dirs = new Map(nodes.map((node) => [node.name, node.dir]));
  return {
    nodes,
    user: 'stack',
    knownHostsPath,
    clientKeyPath,
    phases: KIT_PHASES,
    dirOf: (node) => dirs.get(node)!,
    behave: (node, behaviour) => behaviours.set(node, behaviour),
    upgrades(node) {
      try {
        return readFileSync(join(dirs.get(node)!, 'upgrade.log'), 'utf8')
          .split('\n')
          .filter(Boolean);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    connections: (node) => accepted.get(node) ?? 0,
    async close() {
      for (const client of clients) client.end();
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}

// Jump hosts (OpenSSH's ProxyJump) for the node-ssh transport. One logged-in connection per
// chain of hops, shared by every node behind it: each node gets a `direct-tcpip` channel
// (forwardOut) through the last hop, and logs in to the node over that channel. A hop's
// connection lives while some node connection (busy or idle in the pool) goes through it.
import type { Duplex } from 'node:stream';
import type { NodeSSH } from 'node-ssh';
import type { Client } from 'ssh2';
import type { Hop } from '../../engine/types.js';
import { HostKeyError, JumpError } from '../../errors.js';
import type { Connector } from './connect.js';

/** A way through the hops to one address: the channel to log in over, and its release. */
export interface Tunnel {
  sock: Duplex;
  /** Gives the hop connections back: the last user of a hop closes it. Idempotent. */
  release(): void;
}

export interface Jumps {
  /** Opens a channel to `host:port` through `hops`; errors name the hop that failed and why. */
  through(hops: Hop[], host: string, port: number, node: string): Promise<Tunnel>;
  /** The hop connections open now (for tests and metrics). */
  readonly open: number;
}

interface Shared {
  ready: Promise<Client>;
  ssh: NodeSSH | undefined;
  users: number;
  closed: boolean;
  parent: Shared | undefined;
}

export const hopName = (hop: Hop) => `${hop.user}@${hop.host}:${hop.port}`;

export function createJumps(connector: Connector): Jumps {
  const shared = new Map<string, Shared>();

  const release = (entry: Shared | undefined) => {
    if (!entry || entry.closed) return;
    entry.users -= 1;
    if (entry.users > 0) return;
    entry.closed = true;
    entry.ssh?.dispose();
    release(entry.parent);
  };

  const forward = (client: Client, host: string, port: number, via: string): Promise<Duplex> =>
    new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
        if (error)
          reject(new JumpError(`${via} could not open a channel to ${host}:${port}: ${error.message}`));
        else resolve(channel);
      });
    });

  /** The shared connection through `chain` (its last hop), one more user of it. */
  const acquire = (chain: Hop[], node: string): Shared => {
    const key = `${chain.map(hopName).join(',')}|${connector.stamp()}`;
    const existing = shared.get(key);
    if (existing && !existing.closed) {
      existing.users += 1;
      return existing;
    }
    const hop = chain.at(-1)!;
    const index = chain.length;
    const parent = index > 1 ? acquire(chain.slice(0, -1), node) : undefined;
    const login = async (): Promise<Client> => {
      const sock = parent
        ? await forward(
            await parent.ready,
            hop.host,
            hop.port,
            `jump host ${index - 1} ${hopName(chain[index - 2]!)}`,
          )
        : undefined;
      let ssh: NodeSSH;
      try {
        ssh = await connector.connect(
          { host: hop.host, port: hop.port, user: hop.user, what: `jump host ${index} of node ${node}` },
          sock,
        );
      } catch (cause) {
        if (cause instanceof HostKeyError) throw cause;
        throw new JumpError(`jump host ${index} ${hopName(hop)}: ${(cause as Error).message}`, { cause });
      }
      entry.ssh = ssh;
      const client = ssh.connection!;
      const gone = () => {
        if (shared.get(key) === entry) shared.delete(key);
      };
      client.on('close', gone);
      client.on('error', gone);
      // Every user gave up while it logged in.
      if (entry.closed) ssh.dispose();
      return client;
    };
    const entry: Shared = { ready: login(), ssh: undefined, users: 1, closed: false, parent };
    entry.ready.catch(() => {
      if (shared.get(key) === entry) shared.delete(key);
      entry.closed = true;
      release(entry.parent);
    });
    shared.set(key, entry);
    return entry;
  };

  return {
    async through(hops, host, port, node) {
      const last = acquire(hops, node);
      let released = false;
      const done = () => {
        if (released) return;
        released = true;
        release(last);
      };
      try {
        const client = await last.ready;
        const sock = await forward(client, host, port, `jump host ${hops.length} ${hopName(hops.at(-1)!)}`);
        return { sock, release: done };
      } catch (error) {
        done();
        throw error;
      }
    },
    get open() {
      return [...shared.values()].filter((entry) => !entry.closed && entry.ssh).length;
    },
  };
}

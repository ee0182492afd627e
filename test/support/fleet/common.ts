// What both test fleets (in-process and OpenSSH) hand to tests: NodeRef-like nodes, the
// known_hosts and client key to reach them, each node's directory and the phase templates
// that drive the node kit there.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KIT_PHASES } from '../../../src/adapters/simfleet/kit.js';
import type { NodeRef } from '../../../src/engine/types.js';

export { installKit, KIT_PHASES } from '../../../src/adapters/simfleet/kit.js';

export interface FleetNode extends NodeRef {
  /** The node's directory: the kit's scripts, state, upgrade.log; commands run here. */
  dir: string;
  /** Its known_hosts line (plain, `[host]:port` form). */
  hostKeyLine: string;
}

export interface Fleet {
  nodes: FleetNode[];
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

export function upgradesIn(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'upgrade.log'), 'utf8').split('\n').filter(Boolean);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** `[host]:port` (or `host` on 22), as OpenSSH names a host in known_hosts. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** A hashed known_hosts host field (`|1|salt|hmac`), as `ssh-keygen -H` writes it. */
export function hashedHostName(name: string): string {
  const salt = randomBytes(20);
  const hmac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hmac}`;
}

/** The node's known_hosts line with its host field hashed. */
export function hashedLine(node: Pick<FleetNode, 'host' | 'port' | 'hostKeyLine'>): string {
  const [, type, key] = node.hostKeyLine.split(' ');
  return `${hashedHostName(knownHostName(node.host, node.port))} ${type} ${key}`;
}

/** An ed25519 key pair ssh2 can read back (its generator is sometimes wrong). */
export { generateKey } from '../../../src/adapters/simfleet/fleet.js';

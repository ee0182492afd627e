// What both test fleets (in-process and OpenSSH) hand to tests: NodeRef-like nodes, the
// known_hosts and client key to reach them, each node's directory and the phase templates
// that drive the node kit there.
import { createHmac, randomBytes } from 'node:crypto';
import { hostName } from '../../../src/adapters/ssh/known-hosts.js';

/** `[host]:port` (or `host` on 22), as OpenSSH names a host in known_hosts. */
export { hostName as knownHostName } from '../../../src/adapters/ssh/known-hosts.js';
export type { Fleet, SimNode as FleetNode } from '../../../src/demo/fleet.js';
export { upgradesIn } from '../../../src/demo/fleet.js';
export { installKit, KIT_PHASES } from '../../../src/demo/kit.js';

/** A hashed known_hosts host field (`|1|salt|hmac`), as `ssh-keygen -H` writes it. */
export function hashedHostName(name: string): string {
  const salt = randomBytes(20);
  const hmac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hmac}`;
}

/** The node's known_hosts line with its host field hashed. */
export function hashedLine(node: { host: string; port: number; hostKeyLine: string }): string {
  const [, type, key] = node.hostKeyLine.split(' ');
  return `${hashedHostName(hostName(node.host, node.port))} ${type} ${key}`;
}

/** An ed25519 key pair ssh2 can read back (its generator is sometimes wrong). */
export { generateKey } from '../../../src/demo/fleet.js';

// What the system ssh said when it could not log in, turned into drover's errors: a refused
// host key (node or hop) as HostKeyError naming host, key type and fingerprint; anything else
// as the reason a node is unreachable, naming the hop that failed.
import type { Hop, NodeRef } from '../../engine/types.js';
import { HostKeyError } from '../../errors.js';
import { hostName } from './known-hosts.js';

/** Lines a -v log holds on success too (and a hop's when a later hop failed). */
const ROUTINE =
  /^(debug\d:|OpenSSH_|Transferred:|Bytes per second|Authenticated to |Killed by signal|Warning: Permanently added|Connection to .* closed)/;

/** ssh's own messages from a -v log: what went wrong, without the routine lines. */
export function messages(log: string): string[] {
  return log
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !ROUTINE.test(line));
}

/** `ssh-ed25519 SHA256:…` from `debug1: Server host key: …`, when ssh logged it. */
function serverKey(log: string): string | undefined {
  const match = /Server host key: (\S+) (SHA256:\S+)/.exec(log);
  return match ? `${match[1]} ${match[2]}` : undefined;
}

/** A HostKeyError when the log shows a host key was refused, else undefined. */
export function hostKeyRefusal(
  log: string,
  target: { host: string; port: number; what: string },
  knownHosts: string,
): HostKeyError | undefined {
  const said = messages(log);
  if (
    !said.some((line) =>
      /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* revoked/i.test(line),
    )
  )
    return undefined;
  const what = `${hostName(target.host, target.port)} (${target.what})${serverKey(log) ? ` ${serverKey(log)}` : ''}`;
  if (said.some((line) => /revoked/i.test(line)))
    return new HostKeyError(`revoked host key for ${what}: refusing to connect`);
  if (said.some((line) => /CHANGED|does not match/i.test(line)))
    return new HostKeyError(
      `host key for ${what} does not match ${knownHosts}: it CHANGED — someone may be intercepting, or the node was rebuilt; check before updating known_hosts`,
    );
  return new HostKeyError(
    `unknown host key for ${what}: add it to ${knownHosts} (ssh-keyscan -p ${target.port} ${target.host}) after checking it (ssh said: ${said.join(' ')})`,
  );
}

/**
 * Why ssh could not log in to the node: the first hop whose log holds an error (it is the one
 * that failed), else the node's own connection. Throws HostKeyError for a refused key.
 */
export function loginFailure(node: NodeRef, nodeLog: string, hopLogs: string[], knownHosts: string): string {
  const hops: Hop[] = node.jump ?? [];
  for (const [index, hop] of hops.entries()) {
    const log = hopLogs[index] ?? '';
    const what = `jump host ${index + 1} of node ${node.name}`;
    const refusal = hostKeyRefusal(log, { ...hop, what }, knownHosts);
    if (refusal) throw refusal;
    const said = messages(log);
    if (said.length > 0)
      return `jump host ${index + 1} ${hop.user}@${hop.host}:${hop.port}: ${said.join(' ')}`;
  }
  const refusal = hostKeyRefusal(
    nodeLog,
    { host: node.host, port: node.port, what: `node ${node.name}` },
    knownHosts,
  );
  if (refusal) throw refusal;
  return messages(nodeLog).join(' ') || 'ssh exited 255 without saying why';
}

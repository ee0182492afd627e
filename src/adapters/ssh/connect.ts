// One verified SSH login with node-ssh: to a node or to a jump host, over TCP or over a
// forwarded channel (`sock`). The host key is compared with known_hosts; a refusal says which
// host, which key, and how to fix it.
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { NodeSSH } from 'node-ssh';
import type { Config } from '../../config/schema.js';
import { HostKeyError } from '../../errors.js';
import {
  certifiedOnly,
  fingerprint,
  hostName,
  type KnownHost,
  keyTypeOf,
  knownHostsLine,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.js';

export interface ConnectOptions {
  ssh: Config['ssh'];
  passphrase?: string | undefined;
  trustOnFirstUse?: boolean | undefined;
  onTrust?: ((host: string, keyType: string, fingerprint: string) => void) | undefined;
}

/** Where to log in, and how to name it in errors: `node n1`, `jump host 1 of node n1`. */
export interface Target {
  host: string;
  port: number;
  user: string;
  what: string;
}

export interface Connector {
  /** Logs in; throws HostKeyError on a refused key, the library's error otherwise. */
  connect(target: Target, sock?: Duplex): Promise<NodeSSH>;
  /** Changes whenever known_hosts does: a connection verified under another stamp is not reused. */
  stamp(): string;
}

export function createConnector(options: ConnectOptions): Connector {
  // Read on first use, so commands that never connect (status, plan) do not need the key.
  let privateKey: string | undefined;
  const keyFile = options.ssh.privateKey;
  const loadKey = () => {
    if (keyFile && privateKey === undefined) privateKey = readFileSync(keyFile, 'utf8');
    return privateKey;
  };
  const knownHosts = knownHostsFile(options.ssh.knownHosts);
  return {
    stamp: knownHosts.stamp,
    async connect(target, sock) {
      let refusal: HostKeyError | undefined;
      const hostVerifier = (blob: Buffer): boolean => {
        const entries = knownHosts.entries();
        const verdict = verifyHostKey(entries, target.host, target.port, blob);
        if (verdict.ok) return true;
        const name = hostName(target.host, target.port);
        const what = `${name} (${target.what}) ${keyTypeOf(blob)} ${fingerprint(blob)}`;
        if (verdict.reason === 'unknown' && certifiedOnly(entries, target.host, target.port)) {
          refusal = new HostKeyError(
            `${name} (${target.what}) is known only by a @cert-authority line in ${options.ssh.knownHosts}, and the node-ssh transport cannot verify host certificates (ssh2 does not negotiate them): set ssh.transport: openssh, or add the host's own key`,
          );
          return false;
        }
        if (verdict.reason === 'unknown' && options.trustOnFirstUse) {
          appendFileSync(options.ssh.knownHosts, `${knownHostsLine(target.host, target.port, blob)}\n`);
          options.onTrust?.(name, keyTypeOf(blob), fingerprint(blob));
          return true;
        }
        refusal = new HostKeyError(
          verdict.reason === 'unknown'
            ? `unknown host key for ${what}: add it to ${options.ssh.knownHosts} (ssh-keyscan -p ${target.port} ${target.host}) after checking it`
            : verdict.reason === 'revoked'
              ? `revoked host key for ${what}: refusing to connect`
              : `host key for ${what} does not match ${options.ssh.knownHosts}: it CHANGED — someone may be intercepting, or the node was rebuilt; check before updating known_hosts`,
        );
        return false;
      };
      // Loaded at the first connection: commands that never connect (plan, status) skip it.
      const { NodeSSH } = await import('node-ssh');
      const ssh = new NodeSSH();
      try {
        const key = loadKey();
        await ssh.connect({
          ...(sock ? { sock } : { host: target.host }),
          port: target.port,
          username: target.user,
          ...(key ? { privateKey: key, passphrase: options.passphrase } : {}),
          ...(options.ssh.agent ? { agent: process.env.SSH_AUTH_SOCK } : {}),
          readyTimeout: options.ssh.connectTimeout,
          keepaliveInterval: options.ssh.keepalive,
          hostVerifier,
        });
      } catch (cause) {
        ssh.dispose();
        throw refusal ?? cause;
      }
      return ssh;
    },
  };
}

/** known_hosts, parsed again only when the file changed (size, mtime or inode). */
function knownHostsFile(path: string): { stamp(): string; entries(): KnownHost[] } {
  let cached: { stamp: string; entries: KnownHost[] } | undefined;
  const stamp = () => {
    try {
      const stat = statSync(path);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return 'missing';
    }
  };
  return {
    stamp,
    entries() {
      const now = stamp();
      if (cached?.stamp !== now)
        cached = {
          stamp: now,
          entries: now === 'missing' ? [] : parseKnownHosts(readFileSync(path, 'utf8')),
        };
      return cached.entries;
    },
  };
}

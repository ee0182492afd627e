// The NodeRunner on node-ssh: host keys verified against known_hosts, one connection per
// session reused for every phase and kept idle for the node's next session (pool.ts); each
// command run by exec.ts.
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';
import type { Client } from 'ssh2';
import type { Config } from '../../config/schema.js';
import type { NodeRunner, NodeSession } from '../../engine/ports.js';
import type { NodeRef } from '../../engine/types.js';
import { HostKeyError, NodeUnreachableError } from '../../errors.js';
import { execBatch } from './batch.js';
import { type ExecOptions, exec, lost } from './exec.js';
import {
  fingerprint,
  hostName,
  type KnownHost,
  keyTypeOf,
  knownHostsLine,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.js';
import { createIdlePool, type IdlePool } from './pool.js';
import { createRedactor } from './redact.js';

export interface SshRunnerOptions {
  ssh: Config['ssh'];
  passphrase?: string | undefined;
  redact: string[];
  /** Accept and record unknown host keys (never changed ones). Audited through onTrust. */
  trustOnFirstUse?: boolean;
  onTrust?: (host: string, keyType: string, fingerprint: string) => void;
}

/** Idle connections kept at most (each holds a socket here and an sshd on its node). */
const MAX_IDLE = 1024;

/** A logged-in connection to one node, possibly idle in the pool between sessions. */
interface Connection {
  ssh: NodeSSH;
  client: Client;
  /** user@host:port: which nodes' sessions may reuse it. */
  key: string;
  /** The known_hosts file it was verified against; reused only while the file is unchanged. */
  verifiedWith: string;
  dropped: boolean;
}

export function createSshRunner(options: SshRunnerOptions): NodeRunner {
  const redact = createRedactor(options.redact);
  // Read on first use, so commands that never connect (status, plan) do not need the key.
  let privateKey: string | undefined;
  const keyFile = options.ssh.privateKey;
  const loadKey = () => {
    if (keyFile && privateKey === undefined) privateKey = readFileSync(keyFile, 'utf8');
    return privateKey;
  };
  const knownHosts = knownHostsFile(options.ssh.knownHosts);
  const pool = createIdlePool<Connection>({
    keepMs: options.ssh.keepOpen,
    maxIdle: MAX_IDLE,
    dispose: (connection) => connection.ssh.dispose(),
  });
  const session = (connection: Connection, reused: boolean) =>
    openSession(connection, pool, {
      tailBytes: options.ssh.outputTail,
      redact,
      // A reused connection may have died silently while idle: its first command must be
      // answered as fast as a new connection would have been.
      answerWithinMs: reused ? options.ssh.connectTimeout : undefined,
      batch: options.ssh.batchPhases,
    });
  return {
    async open(node: NodeRef): Promise<NodeSession> {
      const key = `${node.user}@${node.host}:${node.port}`;
      const stamp = knownHosts.stamp();
      for (let idle = pool.take(key); idle; idle = pool.take(key)) {
        if (idle.verifiedWith === stamp && !idle.dropped) return session(idle, true);
        idle.ssh.dispose();
      }
      let refusal: HostKeyError | undefined;
      const hostVerifier = (blob: Buffer): boolean => {
        const entries = knownHosts.entries();
        const verdict = verifyHostKey(entries, node.host, node.port, blob);
        if (verdict.ok) return true;
        const what = `${hostName(node.host, node.port)} (node ${node.name}) ${keyTypeOf(blob)} ${fingerprint(blob)}`;
        if (verdict.reason === 'unknown' && options.trustOnFirstUse) {
          appendFileSync(options.ssh.knownHosts, `${knownHostsLine(node.host, node.port, blob)}\n`);
          options.onTrust?.(hostName(node.host, node.port), keyTypeOf(blob), fingerprint(blob));
          return true;
        }
        refusal = new HostKeyError(
          verdict.reason === 'unknown'
            ? `unknown host key for ${what}: add it to ${options.ssh.knownHosts} (ssh-keyscan -p ${node.port} ${node.host}) after checking it`
            : verdict.reason === 'revoked'
              ? `revoked host key for ${what}: refusing to connect`
              : `host key for ${what} does not match ${options.ssh.knownHosts}: it CHANGED — someone may be intercepting, or the node was rebuilt; check before updating known_hosts`,
        );
        return false;
      };
      const ssh = new NodeSSH();
      try {
        const privateKey = loadKey();
        await ssh.connect({
          host: node.host,
          port: node.port,
          username: node.user,
          ...(privateKey ? { privateKey, passphrase: options.passphrase } : {}),
          ...(options.ssh.agent ? { agent: process.env.SSH_AUTH_SOCK } : {}),
          readyTimeout: options.ssh.connectTimeout,
          keepaliveInterval: options.ssh.keepalive,
          hostVerifier,
        });
      } catch (cause) {
        ssh.dispose();
        if (refusal) throw refusal;
        throw new NodeUnreachableError(node.name, `${node.host}:${node.port}`, { cause });
      }
      const client = ssh.connection!;
      const connection: Connection = { ssh, client, key, verifiedWith: stamp, dropped: false };
      const gone = () => {
        connection.dropped = true;
        pool.forget(connection);
      };
      client.on('close', gone);
      client.on('error', gone);
      return session(connection, false);
    },
    async close() {
      pool.close();
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

/**
 * Runs commands on the connection; closing the session hands the connection back to the pool
 * when every command ended with an exit status, and disposes it otherwise.
 */
function openSession(
  connection: Connection,
  pool: IdlePool<Connection>,
  { batch, ...options }: ExecOptions & { batch: boolean },
): NodeSession {
  let clean = true;
  let running = 0;
  let closed = false;
  let first = true;
  const runBatch: NodeSession['runBatch'] = async (script, onStep) => {
    if (connection.dropped) {
      const step = { phase: script.version?.phase ?? script.phases[0]?.phase ?? 'drain', result: lost(0) };
      onStep(step);
      return { steps: [step], stopped: false };
    }
    const answerWithinMs = first ? options.answerWithinMs : undefined;
    first = false;
    running += 1;
    try {
      const ran = await execBatch(
        connection.client,
        script,
        { ...options, answerWithinMs },
        () => connection.dropped,
        onStep,
      );
      if (!ran.exited) clean = false;
      return ran.result;
    } finally {
      running -= 1;
    }
  };
  return {
    ...(batch ? { runBatch } : {}),
    async run(command) {
      if (connection.dropped) return lost(0);
      const answerWithinMs = first ? options.answerWithinMs : undefined;
      first = false;
      running += 1;
      try {
        const ran = await exec(
          connection.client,
          command,
          { ...options, answerWithinMs },
          () => connection.dropped,
        );
        if (!ran.exited) clean = false;
        return ran.result;
      } finally {
        running -= 1;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (clean && running === 0 && !connection.dropped) pool.put(connection.key, connection);
      else connection.ssh.dispose();
    },
  };
}

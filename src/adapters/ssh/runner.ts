// The NodeRunner on node-ssh: host keys verified against known_hosts, one connection per
// session reused for every phase and kept idle for the node's next session (pool.ts); each
// command run by exec.ts.
import type { NodeSSH } from 'node-ssh';
import type { Client } from 'ssh2';
import type { Config } from '../../config/schema.js';
import type { NodeRunner, NodeSession } from '../../engine/ports.js';
import type { NodeRef } from '../../engine/types.js';
import { HostKeyError, NodeUnreachableError } from '../../errors.js';
import { execBatch } from './batch.js';
import { createConnector } from './connect.js';
import { type ExecOptions, exec, lost } from './exec.js';
import { createJumps, hopName, type Tunnel } from './jumps.js';
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
  /** Gives back the jump hosts the connection goes through (idempotent). */
  release: () => void;
}

export function createSshRunner(options: SshRunnerOptions): NodeRunner {
  const redact = createRedactor(options.redact);
  const connector = createConnector(options);
  const jumps = createJumps(connector);
  const pool = createIdlePool<Connection>({
    keepMs: options.ssh.keepOpen,
    maxIdle: MAX_IDLE,
    dispose,
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
      const hops = node.jump ?? [];
      const key = `${[...hops.map(hopName), `${node.user}@${node.host}:${node.port}`].join(',')}`;
      const stamp = connector.stamp();
      for (let idle = pool.take(key); idle; idle = pool.take(key)) {
        if (idle.verifiedWith === stamp && !idle.dropped) return session(idle, true);
        dispose(idle);
      }
      let tunnel: Tunnel | undefined;
      let ssh: NodeSSH;
      const address = `${node.host}:${node.port}`;
      try {
        if (hops.length > 0) tunnel = await jumps.through(hops, node.host, node.port, node.name);
        ssh = await connector.connect(
          { host: node.host, port: node.port, user: node.user, what: `node ${node.name}` },
          tunnel?.sock,
        );
      } catch (cause) {
        tunnel?.release();
        if (cause instanceof HostKeyError) throw cause;
        throw new NodeUnreachableError(node.name, address, { cause });
      }
      const client = ssh.connection!;
      const connection: Connection = {
        ssh,
        client,
        key,
        verifiedWith: stamp,
        dropped: false,
        release: tunnel?.release ?? (() => undefined),
      };
      const gone = () => {
        connection.dropped = true;
        pool.forget(connection);
        connection.release();
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

/** Closes the connection and gives back the jump hosts it went through. */
function dispose(connection: Connection): void {
  connection.ssh.dispose();
  connection.release();
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
      else dispose(connection);
    },
  };
}

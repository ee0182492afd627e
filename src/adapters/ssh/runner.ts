// The NodeRunner on node-ssh: host keys verified against known_hosts, one connection per
// session reused for every phase, per-phase timeouts that kill the remote process group,
// bounded and redacted output, and a dropped connection told apart from a failed command.
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';
import type { ClientChannel } from 'ssh2';
import type { Config } from '../../config/schema.js';
import type { Command, NodeRunner, NodeSession } from '../../engine/ports.js';
import type { NodeRef, PhaseResult } from '../../engine/types.js';
import { HostKeyError, NodeUnreachableError } from '../../errors.js';
import {
  fingerprint,
  hostName,
  type KnownHost,
  keyTypeOf,
  knownHostsLine,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.js';
import { createRedactor } from './redact.js';
import { Tail } from './tail.js';
import { killAfterSeconds, wrapWithTimeout } from './watchdog.js';

export interface SshRunnerOptions {
  ssh: Config['ssh'];
  passphrase?: string | undefined;
  redact: string[];
  /** Accept and record unknown host keys (never changed ones). Audited through onTrust. */
  trustOnFirstUse?: boolean;
  onTrust?: (host: string, keyType: string, fingerprint: string) => void;
}

/** How long past TERM+KILL the client waits for the remote watchdog before giving up. */
const BACKSTOP_GRACE_MS = 2_000;

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
  return {
    async open(node: NodeRef): Promise<NodeSession> {
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
      return openSession(ssh, options.ssh.outputTail, redact);
    },
  };
}

/** known_hosts, parsed again only when the file changed (size, mtime or inode). */
function knownHostsFile(path: string): { entries(): KnownHost[] } {
  let cached: { stamp: string; entries: KnownHost[] } | undefined;
  return {
    entries() {
      let stamp = 'missing';
      try {
        const stat = statSync(path);
        stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (cached?.stamp !== stamp)
        cached = { stamp, entries: stamp === 'missing' ? [] : parseKnownHosts(readFileSync(path, 'utf8')) };
      return cached.entries;
    },
  };
}

function openSession(ssh: NodeSSH, tailBytes: number, redact: (text: string) => string): NodeSession {
  const client = ssh.connection!;
  let dropped = false;
  const onClose = () => {
    dropped = true;
  };
  client.on('close', onClose);
  client.on('error', onClose);
  return {
    run: (command) =>
      dropped ? Promise.resolve(lost(0)) : exec(client, command, tailBytes, redact, () => dropped),
    async close() {
      client.off('close', onClose);
      ssh.dispose();
    },
  };
}

function lost(durationMs: number, stdoutTail = '', stderrTail = ''): PhaseResult {
  return { exitCode: null, signal: null, stdoutTail, stderrTail, durationMs, interrupted: 'connection' };
}

function exec(
  client: NonNullable<NodeSSH['connection']>,
  command: Command,
  tailBytes: number,
  redact: (text: string) => string,
  isDropped: () => boolean,
): Promise<PhaseResult> {
  const started = Date.now();
  const stdout = new Tail(tailBytes);
  const stderr = new Tail(tailBytes);
  return new Promise<PhaseResult>((resolve) => {
    let settled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let channel: ClientChannel | undefined;
    const finish = (result: PhaseResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      client.off('close', onDrop);
      resolve(result);
    };
    const output = () => ({ stdoutTail: redact(stdout.text()), stderrTail: redact(stderr.text()) });
    const onDrop = () => {
      const { stdoutTail, stderrTail } = output();
      finish(lost(Date.now() - started, stdoutTail, stderrTail));
    };
    client.once('close', onDrop);
    // The remote watchdog normally ends the command; this backstop covers a node that hangs.
    const backstop = setTimeout(
      () => {
        channel?.close();
        finish({
          exitCode: null,
          signal: null,
          ...output(),
          durationMs: Date.now() - started,
          interrupted: 'timeout',
        });
      },
      command.timeoutMs + killAfterSeconds(command.timeoutMs) * 1000 + BACKSTOP_GRACE_MS,
    );
    client.exec(wrapWithTimeout(command), (error, stream) => {
      if (error) {
        finish(
          isDropped()
            ? lost(Date.now() - started)
            : {
                exitCode: null,
                signal: null,
                stdoutTail: '',
                stderrTail: redact(error.message),
                durationMs: 0,
                interrupted: 'connection',
              },
        );
        return;
      }
      channel = stream;
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null, signal?: string) => {
        exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
      });
      stream.on('close', () => {
        const durationMs = Date.now() - started;
        if (!exit) {
          const { stdoutTail, stderrTail } = output();
          return finish(lost(durationMs, stdoutTail, stderrTail));
        }
        // `timeout` exits 124 after TERM, 137 (or dies of KILL) when the command ignored TERM.
        const timedOut =
          (exit.code === 124 || exit.code === 137 || exit.signal === 'KILL') &&
          durationMs >= command.timeoutMs - 50;
        finish({
          exitCode: timedOut ? null : exit.code,
          signal: timedOut ? null : exit.signal,
          ...output(),
          durationMs,
          interrupted: timedOut ? 'timeout' : null,
        });
      });
    });
  });
}

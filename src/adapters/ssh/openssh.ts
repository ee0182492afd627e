// The NodeRunner on the system's OpenSSH client (`ssh.transport: openssh`): everything the
// operator's ssh_config says (ProxyJump, Match blocks, certificates, IdentityAgent) applies.
// `open()` starts (or joins) the node's master connection — the one handshake per keepOpen
// window — and reports a refused host key or an unreachable node as the node-ssh transport
// does; each `run()` is one multiplexed `ssh` under the same remote watchdog, with the same
// bounded, redacted tails.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, NodeRunner, NodeSession } from '../../engine/ports.js';
import type { NodeRef, PhaseResult } from '../../engine/types.js';
import { NodeUnreachableError } from '../../errors.js';
import { lost } from './exec.js';
import { fingerprint, hostName, keyTypeOf, parseKnownHosts } from './known-hosts.js';
import { runtimeDir, sshArgs } from './openssh-args.js';
import { loginFailure } from './openssh-log.js';
import { createRedactor } from './redact.js';
import type { SshRunnerOptions } from './runner.js';
import { Tail } from './tail.js';
import { killAfterSeconds, wrapWithTimeout } from './watchdog.js';

/** How long past TERM+KILL the client waits for the remote watchdog before giving up. */
const BACKSTOP_GRACE_MS = 2_000;

export interface OpensshRunnerOptions extends SshRunnerOptions {
  /** Where control sockets live (default: drover's runtime directory). */
  controlDir?: string;
}

interface Master {
  node: NodeRef;
  sessions: number;
}

export function createOpensshRunner(options: OpensshRunnerOptions): NodeRunner {
  const redact = createRedactor(options.redact);
  const controlDir = options.controlDir ?? runtimeDir();
  const masters = new Map<string, Master>();
  const starting = new Map<string, Promise<void>>();
  const argsFor = (node: NodeRef, master: 'auto' | 'no', hopLogs?: string[]) =>
    sshArgs(node, {
      ssh: options.ssh,
      controlDir,
      master,
      trustNew: options.trustOnFirstUse ?? false,
      ...(hopLogs ? { hopLogs } : {}),
    });
  const control = async (node: NodeRef, operation: 'check' | 'exit') => {
    const { args, host } = argsFor(node, 'no');
    return (await ssh([...args, '-O', operation, host])).code === 0;
  };

  const start = async (node: NodeRef): Promise<void> => {
    if (await control(node, 'check')) return;
    const logDir = mkdtempSync(join(controlDir, 'login-'));
    const nodeLog = join(logDir, 'node.log');
    const hopLogs = (node.jump ?? []).map((_, index) => join(logDir, `hop${index + 1}.log`));
    const knownBefore = sizeOf(options.ssh.knownHosts);
    try {
      const { args, host } = argsFor(node, 'auto', hopLogs);
      // The master goes to the background after login (-f); its log goes to a file, since a
      // pipe would be held open by it for as long as it lives.
      const fd = openSync(nodeLog, 'w');
      let code: number | null;
      try {
        ({ code } = await ssh([...args, '-v', '-N', '-f', host], fd));
      } finally {
        closeSync(fd);
      }
      if (code !== 0) {
        const read = (path: string) => {
          try {
            return readFileSync(path, 'utf8');
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
            throw error;
          }
        };
        const reason = loginFailure(node, read(nodeLog), hopLogs.map(read), options.ssh.knownHosts);
        throw new NodeUnreachableError(node.name, `${node.host}:${node.port}`, { cause: new Error(reason) });
      }
      if (options.trustOnFirstUse) reportTrusted(options, knownBefore);
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  };

  return {
    async open(node) {
      const key = [
        ...(node.jump ?? []).map((hop) => `${hop.user}@${hop.host}:${hop.port}`),
        `${node.user}@${node.host}:${node.port}`,
      ].join(',');
      let pending = starting.get(key);
      if (!pending) {
        pending = start(node).finally(() => starting.delete(key));
        starting.set(key, pending);
      }
      await pending;
      const master = masters.get(key) ?? { node, sessions: 0 };
      masters.set(key, master);
      master.sessions += 1;
      let closed = false;
      let dropped = false;
      const { args, host } = argsFor(node, 'no');
      return {
        async run(command) {
          if (dropped) return lost(0);
          const result = await runOne([...args, host], command, options.ssh.outputTail, redact);
          // ssh exits 255 for its own errors, and the command may too: the master tells which.
          if (result.exitCode === 255 && !(await control(node, 'check'))) {
            dropped = true;
            return { ...result, exitCode: null, interrupted: 'connection' };
          }
          if (result.interrupted === 'connection') dropped = true;
          return result;
        },
        async close() {
          if (closed) return;
          closed = true;
          master.sessions -= 1;
          if (master.sessions === 0 && (options.ssh.keepOpen <= 0 || dropped)) {
            masters.delete(key);
            await control(node, 'exit');
          }
        },
      } satisfies NodeSession;
    },
    async close() {
      const open = [...masters.values()];
      masters.clear();
      await Promise.all(open.map((master) => control(master.node, 'exit')));
    },
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Host keys ssh appended to known_hosts (StrictHostKeyChecking=accept-new), reported for the audit. */
function reportTrusted(options: SshRunnerOptions, before: number): void {
  const added = readFileSync(options.ssh.knownHosts).subarray(before).toString('utf8');
  for (const entry of parseKnownHosts(added)) {
    const [name] = entry.patterns;
    options.onTrust?.(name ?? hostName('?', 22), keyTypeOf(entry.key), fingerprint(entry.key));
  }
}

/** Runs ssh to its end; stderr to `fd` when given (else collected), stdout ignored. */
function ssh(args: string[], fd?: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', fd ?? 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    // With fd, a master left in the background may share it: `exit` is the end of this ssh.
    child.once(fd === undefined ? 'close' : 'exit', (code) => resolve({ code, stderr }));
  });
}

/** One command over the node's master connection, as exec.ts runs one over ssh2. */
function runOne(
  args: string[],
  command: Command,
  tailBytes: number,
  redact: (text: string) => string,
): Promise<PhaseResult> {
  const started = Date.now();
  const stdout = new Tail(tailBytes);
  const stderr = new Tail(tailBytes);
  return new Promise<PhaseResult>((resolve, reject) => {
    const child: ChildProcess = spawn('ssh', [...args, wrapWithTimeout(command)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    // The remote watchdog normally ends the command; this backstop covers a node that hangs.
    const backstop = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      command.timeoutMs + killAfterSeconds(command.timeoutMs) * 1000 + BACKSTOP_GRACE_MS,
    );
    child.once('close', (code, signal) => {
      clearTimeout(backstop);
      const durationMs = Date.now() - started;
      const tails = { stdoutTail: redact(stdout.text()), stderrTail: redact(stderr.text()) };
      if (timedOut)
        return resolve({ exitCode: null, signal: null, ...tails, durationMs, interrupted: 'timeout' });
      if (code === null)
        return resolve(lost(durationMs, tails.stdoutTail, `${tails.stderrTail}ssh ended by ${signal}`));
      // `timeout` exits 124 after TERM, 137 when the command ignored TERM.
      const expired = (code === 124 || code === 137) && durationMs >= command.timeoutMs - 50;
      resolve({
        exitCode: expired ? null : code,
        signal: null,
        ...tails,
        durationMs,
        interrupted: expired ? 'timeout' : null,
      });
    });
  });
}

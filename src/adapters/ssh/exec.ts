// One command on an open connection: run under the remote watchdog, output kept as bounded
// redacted tails, the exit status or signal read back, a dropped connection told apart from a
// failed command, and a client-side backstop for a node that never answers.
import type { Client, ClientChannel } from 'ssh2';
import type { Command } from '../../engine/ports.js';
import type { PhaseResult } from '../../engine/types.js';
import { Tail } from './tail.js';
import { killAfterSeconds, wrapWithTimeout } from './watchdog.js';

/** How long past TERM+KILL the client waits for the remote watchdog before giving up. */
const BACKSTOP_GRACE_MS = 2_000;

export interface ExecOptions {
  tailBytes: number;
  redact: (text: string) => string;
  /** Give the connection up when the command is not even accepted within this time. */
  answerWithinMs?: number | undefined;
}

export function lost(durationMs: number, stdoutTail = '', stderrTail = ''): PhaseResult {
  return { exitCode: null, signal: null, stdoutTail, stderrTail, durationMs, interrupted: 'connection' };
}

/** A command's result, and whether its channel ended with an exit status (the connection is sound). */
export interface Ran {
  result: PhaseResult;
  exited: boolean;
}

export function exec(
  client: Client,
  command: Command,
  { tailBytes, redact, answerWithinMs }: ExecOptions,
  isDropped: () => boolean,
): Promise<Ran> {
  const started = Date.now();
  const stdout = new Tail(tailBytes);
  const stderr = new Tail(tailBytes);
  return new Promise<Ran>((resolve) => {
    let settled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let channel: ClientChannel | undefined;
    let unanswered = '';
    const finish = (result: PhaseResult, exited = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      clearTimeout(silence);
      client.off('close', onDrop);
      resolve({ result, exited });
    };
    const output = () => ({ stdoutTail: stdout.text(redact), stderrTail: stderr.text(redact) });
    const onDrop = () => {
      const { stdoutTail, stderrTail } = output();
      finish(lost(Date.now() - started, stdoutTail, `${stderrTail}${unanswered}`));
    };
    client.once('close', onDrop);
    const silence =
      answerWithinMs === undefined
        ? undefined
        : setTimeout(() => {
            unanswered = `the connection, idle since its last command, did not answer within ${answerWithinMs / 1000}s`;
            client.destroy();
          }, answerWithinMs);
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
      clearTimeout(silence);
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
        finish(
          {
            exitCode: timedOut ? null : exit.code,
            signal: timedOut ? null : exit.signal,
            ...output(),
            durationMs,
            interrupted: timedOut ? 'timeout' : null,
          },
          true,
        );
      });
    });
  });
}

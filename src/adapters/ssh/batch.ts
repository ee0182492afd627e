// A batch on an open connection: the script of batch-script.ts in one exec, its output cut at
// the marker lines into one result per phase — the same bounded redacted tails, exit status,
// timeout and dropped-connection readings as exec.ts gives a phase run on its own. A phase's
// duration is the time between its marker's arrival and the previous one's (or the exec's start).
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import type { Batch, BatchResult, BatchStep, PhaseCommand } from '../../engine/ports.js';
import type { PhaseResult } from '../../engine/types.js';
import { shellQuote } from '../../shell/template.js';
import { batchScript, markerOf } from './batch-script.js';
import { type ExecOptions, lost } from './exec.js';
import { Tail } from './tail.js';
import { killAfterSeconds } from './watchdog.js';

const BACKSTOP_GRACE_MS = 2_000;

/** One output stream, cut into per-phase tails at the script's marker lines. */
class MarkedStream {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private tail: Tail;

  constructor(
    private readonly mark: string,
    private readonly bytes: number,
    private readonly onMarker: (fields: string[], text: string) => void,
  ) {
    this.tail = new Tail(bytes);
  }

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    for (;;) {
      const at = this.pending.indexOf(this.mark);
      if (at < 0) {
        // Whatever cannot be the start of a marker is output.
        this.flush(this.pending.length - (this.mark.length - 1));
        return;
      }
      const eol = this.pending.indexOf('\n', at + this.mark.length);
      if (eol < 0) {
        this.flush(at);
        return;
      }
      this.flush(at);
      const fields = this.pending.slice(this.mark.length, eol - at).split(' ');
      this.pending = this.pending.slice(eol - at + 1);
      const text = this.tail.text();
      this.tail = new Tail(this.bytes);
      this.onMarker(fields, text);
    }
  }

  /** What the stream held after its last marker. */
  rest(): string {
    this.pending += this.decoder.end();
    this.flush(this.pending.length);
    return this.tail.text();
  }

  private flush(upTo: number): void {
    if (upTo <= 0) return;
    this.tail.push(Buffer.from(this.pending.slice(0, upTo)));
    this.pending = this.pending.slice(upTo);
  }
}

export function execBatch(
  client: Client,
  batch: Batch,
  { tailBytes, redact, answerWithinMs }: ExecOptions,
  isDropped: () => boolean,
  onStep: (step: BatchStep) => void,
): Promise<{ result: BatchResult; exited: boolean }> {
  const started = Date.now();
  const nonce = randomBytes(12).toString('hex');
  const mark = markerOf(nonce);
  const commands: PhaseCommand[] = [...(batch.version ? [batch.version] : []), ...batch.phases];
  const steps: BatchStep[] = [];
  const outs: Array<{ text: string; status: number; at: number }> = [];
  const errs: string[] = [];
  let stopped = false;
  const emit = () => {
    while (steps.length < Math.min(outs.length, errs.length, commands.length)) {
      const index = steps.length;
      const command = commands[index]!;
      const out = outs[index]!;
      const durationMs = out.at - (index === 0 ? started : outs[index - 1]!.at);
      // `timeout` exits 124 after TERM, 137 when the command ignored TERM.
      const timedOut = (out.status === 124 || out.status === 137) && durationMs >= command.timeoutMs - 50;
      const result: PhaseResult = {
        exitCode: timedOut ? null : out.status,
        signal: null,
        stdoutTail: redact(out.text),
        stderrTail: redact(errs[index]!),
        durationMs,
        interrupted: timedOut ? 'timeout' : null,
      };
      const step = { phase: command.phase, result };
      steps.push(step);
      onStep(step);
    }
  };
  const stdout = new MarkedStream(mark, tailBytes, (fields, text) => {
    if (fields[0] === 'gate') stopped = true;
    else if (fields[0] === 'end') outs.push({ text, status: Number(fields[2]), at: Date.now() });
    emit();
  });
  const stderr = new MarkedStream(mark, tailBytes, (fields, text) => {
    if (fields[0] === 'end') errs.push(text);
    emit();
  });
  return new Promise((resolve) => {
    let settled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let channel: ClientChannel | undefined;
    let unanswered = '';
    /** Ends the batch; `pending` is the result of the phase that was running, if one was. */
    const finish = (
      pending: (durationMs: number, out: string, err: string) => PhaseResult,
      exited = false,
    ) => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      clearTimeout(silence);
      client.off('close', onDrop);
      const out = stdout.rest();
      const err = stderr.rest();
      while (errs.length < outs.length) errs.push(errs.length === outs.length - 1 ? err : '');
      emit();
      const last = outs[outs.length - 1];
      const running = !stopped && steps.length < commands.length && (last === undefined || last.status === 0);
      if (running) {
        const since = last?.at ?? started;
        const step = {
          phase: commands[steps.length]!.phase,
          result: pending(Date.now() - since, redact(out), `${redact(err)}${unanswered}`),
        };
        steps.push(step);
        onStep(step);
      }
      resolve({ result: { steps, stopped }, exited });
    };
    const onDrop = () => finish((durationMs, out, err) => lost(durationMs, out, err));
    client.once('close', onDrop);
    const silence =
      answerWithinMs === undefined
        ? undefined
        : setTimeout(() => {
            unanswered = `the connection, idle since its last command, did not answer within ${answerWithinMs / 1000}s`;
            client.destroy();
          }, answerWithinMs);
    // The remote watchdog ends each phase; this backstop covers a node that hangs.
    const budget = commands.reduce(
      (sum, command) => sum + command.timeoutMs + killAfterSeconds(command.timeoutMs) * 1000,
      BACKSTOP_GRACE_MS,
    );
    const backstop = setTimeout(() => {
      channel?.close();
      finish((durationMs, stdoutTail, stderrTail) => ({
        exitCode: null,
        signal: null,
        stdoutTail,
        stderrTail,
        durationMs,
        interrupted: 'timeout',
      }));
    }, budget);
    client.exec(`exec sh -c ${shellQuote(batchScript(batch, nonce))}`, (error, stream) => {
      clearTimeout(silence);
      if (error) {
        finish((durationMs) =>
          isDropped() ? lost(durationMs) : { ...lost(0), stderrTail: redact(error.message) },
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
        const ended = exit;
        if (!ended) return finish((durationMs, out, err) => lost(durationMs, out, err));
        // The script ended without the running phase's marker (its shell could not run it, or died).
        finish(
          (durationMs, stdoutTail, stderrTail) => ({
            exitCode: ended.code,
            signal: ended.signal,
            stdoutTail,
            stderrTail,
            durationMs,
            interrupted: null,
          }),
          true,
        );
      });
    });
  });
}

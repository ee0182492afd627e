// `drover serve` as a child process, as an operator runs it: JSON log lines on stdout (kept,
// and the port it listens on read from them), stderr passed through.
import { type ChildProcess, spawn } from 'node:child_process';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

export interface ServeChild {
  child: ChildProcess;
  /** The port from its "serving" log line. */
  port: Promise<number>;
  lines: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

export function serveChild(configPath: string, cwd: string, env: NodeJS.ProcessEnv): ServeChild {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve', '--config', configPath], {
    cwd,
    env: { ...process.env, PORT: '0', DROVER_LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  let announce: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolve) => {
    announce = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) {
      const entry: Record<string, unknown> = JSON.parse(line);
      lines.push(entry);
      if (typeof entry.port === 'number') announce(entry.port);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, port, lines, exit };
}

// Runs one contender as a child process under /usr/bin/time: wall time, client CPU and the
// peak RSS of its largest process, bounded by a timeout that kills its process group.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Measurement {
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  exitCode: number | null;
  stderr: string;
}

const TIME = '/usr/bin/time';

export function measure(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Measurement> {
  const timed = existsSync(TIME) ? [TIME, '-f', '@@time %e %U %S %M', ...argv] : argv;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(timed[0]!, timed.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${options.timeoutMs} ms`;
      process.kill(-child.pid!, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      const line = /@@time (\S+) (\S+) (\S+) (\d+)/.exec(stderr);
      resolve({
        wallMs,
        cpuMs: line ? Math.round((Number(line[2]) + Number(line[3])) * 1000) : Number.NaN,
        peakRssKb: line ? Number(line[4]) : Number.NaN,
        exitCode: code,
        stderr: stderr.replace(/@@time .*\n?/, ''),
      });
    });
  });
}

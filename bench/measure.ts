// Runs one contender as a child process under /usr/bin/time: wall time, client CPU, the
// peak RSS of its largest process, and the whole machine's CPU meanwhile (the fleet shares
// it), bounded by a timeout that kills its process group.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface Measurement {
  wallMs: number;
  cpuMs: number;
  /** CPU time of the whole machine (client and fleet) while it ran. */
  boxCpuMs: number;
  peakRssKb: number;
  /** Rows the contender wrote to its database (inserted, updated, deleted) and transactions it ran (reads included), where measured. */
  dbWrites?: { rows: number; transactions: number };
  exitCode: number | null;
  stderr: string;
}

const TIME = '/usr/bin/time';

/** Busy CPU time of the machine so far, in ms (/proc/stat: all but idle and iowait). */
export function boxCpuMs(): number {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const ticks = fields.map(Number);
    const busy = ticks.reduce((sum, n) => sum + n, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
    return busy * 10; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** user + system CPU of a process and of the children it has waited for, in ms (/proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of the whole line: 11-14 after the name.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) * 10;
}

/** The most resident memory a running process has had (/proc/<pid>/status VmHWM), in KB. */
export function peakRssKb(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) : Number.NaN;
}

export function measure(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Measurement> {
  const timed = existsSync(TIME) ? [TIME, '-f', '@@time %e %U %S %M', ...argv] : argv;
  const started = Date.now();
  const boxStarted = boxCpuMs();
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
        boxCpuMs: boxCpuMs() - boxStarted,
        peakRssKb: line ? Number(line[4]) : Number.NaN,
        exitCode: code,
        stderr: stderr.replace(/@@time .*\n?/, ''),
      });
    });
  });
}

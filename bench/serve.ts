// drover as a chat-ops service runs it: `node bin/drover.js serve` (embedded database, Slack on
// a fake Web API on 127.0.0.1), an upgrade started by a CI/CD pipeline through the signed
// `POST /hooks/deploy`, measured from the request until the upgrade's Slack message says it
// completed. The process has already run one deploy, as a service that has been up a while has:
// modules loaded, database open, hot code compiled. Its CPU is the serve process's (and its
// children's) during the measured deploy.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signBody } from '../src/adapters/http/deploy-hook.js';
import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { configYaml, createBenchRepo } from './drover.js';
import { boxCpuMs } from './measure.js';
import type { Contender } from './types.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'drover.js');
const SECRET = 'bench-hook-secret';
const CHANNEL = 'C0BENCH';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** user + system CPU of a process and of its children it has waited for, in ms (/proc/<pid>/stat). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of the whole line: 11-14 after the name.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) * 10;
}

function peakRssKb(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) : Number.NaN;
}

async function poll<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 10));
  }
}

export const droverServe: Contender = {
  name: 'drover serve, POST /hooks/deploy (warm)',
  async run(scenario) {
    if (!existsSync(join(ROOT, 'dist', 'cli.js')))
      return { unavailable: 'dist/cli.js is missing: run `npm run build` first' };
    const work = mkdtempSync(join(tmpdir(), 'drover-bench-serve-'));
    const repo = join(work, 'deploy');
    // Two deploys along stable/havana: the warm-up's commit, then the measured one.
    const [warmup, measured] = createBenchRepo(repo, 2).commits as [string, string];
    scenario.expectCommit(measured);
    const configPath = join(work, 'drover.yaml');
    writeFileSync(configPath, configYaml(scenario, repo, `{ slack: ${CHANNEL} }`));

    const slack = await startFakeSlack();
    const port = await freePort();
    const { DATABASE_URL: _shared, ...inherited } = process.env;
    const child = spawn('node', [...(scenario.nodeArgs ?? []), CLI, 'serve'], {
      cwd: work,
      env: {
        ...inherited,
        DROVER_CONFIG: configPath,
        PORT: String(port),
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: 'bench-signing-secret',
        SLACK_API_URL: slack.apiUrl,
        DROVER_WEBHOOK_SECRET: SECRET,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    const base = `http://127.0.0.1:${port}`;
    try {
      await poll('drover serve to be healthy', 60_000, async () => {
        if (child.exitCode !== null) throw new Error(`drover serve exited ${child.exitCode}`);
        const health = await fetch(`${base}/healthz`).catch(() => undefined);
        return health?.status === 200 ? true : undefined;
      });
      await deploy(base, warmup, slack, scenario.timeoutMs);
      scenario.resetFleet();
      const cpuStarted = processCpuMs(child.pid!);
      const boxStarted = boxCpuMs();
      const started = Date.now();
      await deploy(base, measured, slack, scenario.timeoutMs);
      return {
        wallMs: Date.now() - started,
        cpuMs: processCpuMs(child.pid!) - cpuStarted,
        boxCpuMs: boxCpuMs() - boxStarted,
        peakRssKb: peakRssKb(child.pid!),
        exitCode: 0,
        stderr,
      };
    } catch (error) {
      return {
        unavailable: `${(error as Error).message}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      };
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      await slack.close();
    }
  },
};

/** Starts an upgrade to `commit` through the webhook and waits until its Slack message says completed. */
async function deploy(base: string, commit: string, slack: FakeSlack, timeoutMs: number): Promise<void> {
  const body = JSON.stringify({ environment: 'bench', commit });
  const answer = await fetch(`${base}/hooks/deploy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-drover-signature': signBody(SECRET, body) },
    body,
  });
  if (answer.status !== 202)
    throw new Error(`POST /hooks/deploy answered ${answer.status}: ${await answer.text()}`);
  const { upgrade } = (await answer.json()) as { upgrade: number };
  const done = `Upgrade #${upgrade} bench → havana: completed`;
  const ended = new RegExp(`^Upgrade #${upgrade} .*: (failed|aborted|paused|rolled_back)`);
  await poll(`upgrade #${upgrade} to complete`, timeoutMs, () => {
    const message = slack.messages.find((m) => m.text === done || ended.test(m.text));
    if (message && message.text !== done)
      throw new Error(`upgrade #${upgrade} did not complete: ${message.text}`);
    return message ? true : undefined;
  });
}

// drover as a chat-ops service runs it: `node bin/drover.js serve` (embedded database, Slack on
// a fake Web API on 127.0.0.1), an upgrade started by a CI/CD pipeline through the signed
// `POST /hooks/deploy`, measured from the request until the upgrade's Slack message says it
// completed. The process has already run one deploy, as a service that has been up a while has:
// modules loaded, database open, hot code compiled, and (`ssh.keepOpen`, 60s by default) its
// connections to the nodes still open; `serve-cold` closes them after each unit, so the measured
// deploy connects to every node afresh. Its CPU is the serve process's (and its children's)
// during the measured deploy.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDelivery } from '../src/adapters/http/webhook-auth.js';
import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { until } from '../test/support/wait.js';
import { CLI, configYaml, createBenchRepo, unbuilt } from './drover.js';
import { boxCpuMs, peakRssKb, processCpuMs } from './measure.js';
import type { Contender, Outcome, Scenario } from './types.js';

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

export const droverServe = serveContender('drover serve, POST /hooks/deploy (warm)', '');
export const droverServeCold = serveContender(
  'drover serve, POST /hooks/deploy (warm, keepOpen: 0s)',
  'keepOpen: 0s',
);
export const droverServeOpenssh = serveContender(
  'drover serve, POST /hooks/deploy (warm, transport: openssh)',
  'transport: openssh, config: /dev/null',
);
export const droverServeOpensshCold = serveContender(
  'drover serve, POST /hooks/deploy (warm, transport: openssh, keepOpen: 0s)',
  'transport: openssh, config: /dev/null, keepOpen: 0s',
);

function serveContender(name: string, ssh: string): Contender {
  return { name, run: (scenario) => measureServe(scenario, ssh) };
}

async function measureServe(scenario: Scenario, ssh: string): Promise<Outcome> {
  const missing = unbuilt();
  if (missing) return { unavailable: missing };
  const work = mkdtempSync(join(tmpdir(), 'drover-bench-serve-'));
  const repo = join(work, 'deploy');
  // Two deploys along stable/havana: the warm-up's commit, then the measured one.
  const [warmup, measured] = createBenchRepo(repo, 2).commits as [string, string];
  scenario.expectCommit(measured);
  const configPath = join(work, 'drover.yaml');
  writeFileSync(configPath, configYaml(scenario, repo, `{ slack: ${CHANNEL} }`, ssh));

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
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`drover serve exited ${child.exitCode}`);
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200;
      },
      'drover serve to be healthy',
      60_000,
      10,
    );
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
}

/** Starts an upgrade to `commit` through the webhook and waits until its Slack message says completed. */
async function deploy(base: string, commit: string, slack: FakeSlack, timeoutMs: number): Promise<void> {
  const body = JSON.stringify({ environment: 'bench', commit });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const answer = await fetch(`${base}/hooks/deploy`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-drover-timestamp': timestamp,
      'x-drover-delivery': `bench-${commit}-${timestamp}`,
      'x-drover-signature': signDelivery(SECRET, timestamp, body),
    },
    body,
  });
  if (answer.status !== 202)
    throw new Error(`POST /hooks/deploy answered ${answer.status}: ${await answer.text()}`);
  const { upgrade } = (await answer.json()) as { upgrade: number };
  const done = `Upgrade #${upgrade} bench → havana: completed`;
  const ended = new RegExp(`^Upgrade #${upgrade} .*: (failed|aborted|paused|rolled_back)`);
  await until(
    () => {
      const message = slack.messages.find((m) => m.text === done || ended.test(m.text));
      if (message && message.text !== done)
        throw new Error(`upgrade #${upgrade} did not complete: ${message.text}`);
      return message !== undefined;
    },
    `upgrade #${upgrade} to complete`,
    timeoutMs,
    10,
  );
}

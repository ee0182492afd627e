// `npx tsx bench/status-load.ts`: how fast `drover serve` acknowledges `/upgrade status` while
// it drives a 300-node upgrade. A simulated SSH fleet (real SSH, in this process), `drover
// serve` in its own process (PostgreSQL when DATABASE_URL is set, else embedded PGlite), Slack
// on a fake Web API; signed slash commands `status` at 50 requests/s for 30 s, sent on a fixed
// schedule whether or not earlier ones were answered (open loop). Prints the ack latency
// percentiles (HTTP 200 of POST /slack/events) and exits 1 when p99 ≥ 250 ms.
// Options: --nodes N (300) --rate R (50) --seconds S (30) --profile DIR (a V8 CPU profile of
// the serve process, written to DIR when it exits)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WORKING } from '../src/adapters/slack/app.js';
import { startSimFleet } from '../src/demo/fleet.js';
import { createDemoRepo } from '../src/demo/repo.js';
import { freshPostgresDatabase } from '../test/support/db.js';
import { slackClient, startFakeSlack } from '../test/support/fake-slack.js';
import { labYaml } from '../test/support/lab.js';
import { until } from '../test/support/wait.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1] ?? fallback) : fallback;
}

const NODES = option('nodes', 300);
const RATE = option('rate', 50);
const SECONDS = option('seconds', 30);
const profileAt = process.argv.indexOf('--profile');
const PROFILE = profileAt >= 0 ? process.argv[profileAt + 1] : undefined;
const SECRET = 'bench-signing-secret';
const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function main(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'drover-bench-status-'));
  const repo = await createDemoRepo(join(root, 'deploy'));
  const names = [
    'ctl-1',
    'ctl-2',
    ...Array.from({ length: NODES - 2 }, (_, i) => `cmp-${String(i + 1).padStart(3, '0')}`),
  ];
  const fleet = await startSimFleet({ root: join(root, 'fleet'), names, seedVersion: repo.grizzly });
  // Long enough that the upgrade runs through the whole measurement.
  for (const name of names) fleet.behave(name, { slowMs: 400 });
  const configPath = join(root, 'drover.yaml');
  writeFileSync(
    configPath,
    labYaml(root, repo, fleet, { controllers: 2, concurrency: 20, strategy: '{ kind: rolling, batch: 20 }' }),
  );
  const database = process.env.DATABASE_URL ? await freshPostgresDatabase() : undefined;
  const slack = await startFakeSlack();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []),
      '--import',
      TSX,
      CLI,
      'serve',
      '--config',
      configPath,
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database?.url ?? '',
        PORT: String(port),
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        DROVER_LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200,
      'drover serve to be ready',
      120_000,
      50,
    );
    const client = slackClient(`${base}/slack/events`, SECRET, slack.apiUrl.replace(/\/api\/$/, ''));
    const started = await client.command('U0OPS', 'start havana auto');
    if (!/^upgrade #1 started/.test(String(started.json().text)))
      throw new Error(`the upgrade did not start: ${started.text}`);
    const upgraded = () => names.filter((name) => fleet.upgrades(name).length > 0).length;
    await until(() => upgraded() >= 5, 'the upgrade to be under way', 120_000);
    const before = upgraded();
    const latencies: number[] = [];
    /** Until the asker sees the answer: the ack itself, or the reply after a "working on it…" ack. */
    const answered: number[] = [];
    let deferred = 0;
    const failures: string[] = [];
    const requests: Array<Promise<void>> = [];
    const total = RATE * SECONDS;
    const [loadBefore] = loadavg();
    // The fake Slack and the simulated fleet share this process with the client: its own event
    // loop delay is part of every latency measured here, so it is reported beside them.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const origin = performance.now();
    for (let i = 0; i < total; i += 1) {
      const due = origin + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      requests.push(
        (async () => {
          const sent = performance.now();
          const ack = await client.command('U0VIEWER', 'status', { ackOnly: true });
          latencies.push(performance.now() - sent);
          if (ack.status !== 200) {
            failures.push(`HTTP ${ack.status}`);
            return;
          }
          const text = String(ack.json().text);
          if (text === WORKING) {
            deferred += 1;
            const reply = String(((await (await fetch(ack.responseUrl)).json()) as { text?: string }).text);
            if (!/upgrade #1/.test(reply)) failures.push(`unexpected reply: ${reply.slice(0, 80)}`);
          } else if (!/upgrade #1/.test(text)) failures.push(`unexpected answer: ${text.slice(0, 80)}`);
          answered.push(performance.now() - sent);
        })().catch((error: unknown) => {
          failures.push(error instanceof Error ? error.message : String(error));
        }),
      );
    }
    await Promise.all(requests);
    const after = upgraded();
    // serve's own event loop delay (prom-client's default metrics, over the process's life).
    const scraped = await (await fetch(`${base}/metrics`)).text();
    const gauge = (name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scraped)?.[1] ?? Number.NaN);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    const seen = [...answered].sort((a, b) => a - b);
    const [load1] = loadavg();
    console.log(
      `machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}; database ${database ? 'PostgreSQL' : 'PGlite'}`,
    );
    console.log(
      `/upgrade status at ${RATE}/s for ${SECONDS} s during a ${NODES}-node upgrade (${before} → ${after} nodes upgraded meanwhile)`,
    );
    console.log(
      `ack ms: p50 ${percentile(sorted, 50).toFixed(0)}, p95 ${percentile(sorted, 95).toFixed(0)}, p99 ${p99.toFixed(0)}, max ${(sorted.at(-1) ?? Number.NaN).toFixed(0)}; ${latencies.length} answered, ${failures.length} failed${failures.length ? ` (${[...new Set(failures)].slice(0, 3).join('; ')})` : ''}`,
    );
    console.log(
      `answer ms (the ack, or the reply after a "working on it…" ack): p50 ${percentile(seen, 50).toFixed(0)}, p95 ${percentile(seen, 95).toFixed(0)}, p99 ${percentile(seen, 99).toFixed(0)}, max ${(seen.at(-1) ?? Number.NaN).toFixed(0)}; ${deferred} answered after the ack`,
    );
    lag.disable();
    console.log(
      `this process's own event loop delay ms (client, fake Slack, fleet): p50 ${(lag.percentile(50) / 1e6).toFixed(0)}, p99 ${(lag.percentile(99) / 1e6).toFixed(0)}, max ${(lag.max / 1e6).toFixed(0)}`,
    );
    console.log(
      `serve's event loop delay ms: p50 ${(gauge('nodejs_eventloop_lag_p50_seconds') * 1000).toFixed(0)}, p99 ${(gauge('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(0)}, max ${(gauge('nodejs_eventloop_lag_max_seconds') * 1000).toFixed(0)}`,
    );
    console.log(
      `load average (1 min): ${loadBefore?.toFixed(2)} at the start, ${load1?.toFixed(2)} at the end`,
    );
    if (after === before) console.log('warning: no node was upgraded during the measurement');
    return p99 < 250 && failures.length === 0 ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    await slack.close();
    await fleet.close();
    await database?.drop();
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

process.exitCode = await main();

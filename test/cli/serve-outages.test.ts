// drover serve outlives what it depends on: PostgreSQL going away in the middle of a wave
// (a TCP proxy in front of the test server drops every connection and refuses new ones), and
// Slack unreachable when it starts.
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMetrics } from '../../src/adapters/metrics/metrics.js';
import { startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { freshPostgresDatabase } from '../support/db.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, OPS, startLab } from '../support/lab.js';
import { until } from '../support/wait.js';

const SECRET = 'slack-secret';

const postgresUrl = process.env.DATABASE_URL;

interface Proxy {
  url: string;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of the database server of `url`. */
async function startProxy(url: string): Promise<Proxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = async () => {
    const listening = createServer((client) => {
      const upstream = new Socket();
      sockets.add(client).add(upstream);
      const forget = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', forget).on('close', forget);
      upstream.on('error', forget).on('close', forget);
      upstream.connect(Number(target.port || 5432), target.hostname, () => {
        client.pipe(upstream).pipe(client);
      });
    });
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    const address = listening.address();
    if (address && typeof address === 'object') port = address.port;
    server = listening;
  };
  await open();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  const shut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return { url: proxied.toString(), cut: shut, restore: open, close: shut };
}

const readiness = z.object({
  ok: z.boolean(),
  waiting: z.array(z.string()),
  down: z.record(z.string(), z.object({ since: z.string(), error: z.string() })),
});
const readinessOf = (body: unknown) => readiness.parse(body);

describe.skipIf(!postgresUrl)('drover serve through outages', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps serving while PostgreSQL goes away mid-wave: /healthz 503 then 200, every unit upgraded once, every message once', async () => {
    const lab: Lab = await startLab({ controllers: 1, computes: 6, strategy: '{ kind: rolling, batch: 2 }' });
    cleanups.push(() => lab.close());
    for (const node of lab.fleet.nodes) lab.fleet.behave(node.name, { slowMs: 150 });
    const database = await freshPostgresDatabase();
    cleanups.push(() => database.drop());
    const proxy = await startProxy(database.url);
    cleanups.push(() => proxy.close());
    const slack: FakeSlack = await startFakeSlack();
    cleanups.push(() => slack.close());
    const metrics = createMetrics();
    const serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: proxy.url,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'unused'), pollMs: 50, logger: silentLogger, metrics },
    );
    cleanups.push(() => serving.stop(5_000));
    const healthz = async () => {
      const response = await fetch(`http://127.0.0.1:${serving.port}/healthz`);
      return { status: response.status, body: readinessOf(await response.json()) };
    };
    await until(async () => (await healthz()).status === 200, 'serve to be ready');

    const started = await serving.runtime.engine.upgrades.start(OPS, 'havana', {
      environment: 'lab',
      auto: true,
    });
    const done = () => lab.fleet.nodes.filter((node) => lab.fleet.upgrades(node.name).length > 0).length;
    await until(() => done() >= 3, 'the first nodes to be upgraded', 60_000);
    expect(done()).toBeLessThan(lab.fleet.nodes.length);

    await proxy.cut();
    const down = await until(async () => {
      const answer = await healthz();
      return answer.status === 503 ? answer.body : undefined;
    }, '/healthz to say the database is down');
    expect(down).toMatchObject({ ok: false, waiting: ['database'] });
    expect(down.down.database).toMatchObject({ since: expect.any(String), error: expect.any(String) });
    // Long enough for the drivers and the pump to fail against the refusing proxy.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await fetch(`http://127.0.0.1:${serving.port}/livez`)).status).toBe(200);
    await proxy.restore();
    await until(async () => (await healthz()).status === 200, '/healthz to be 200 again', 60_000);

    await until(
      // The probe's own connection may still be timing out from the outage: ask again.
      async () =>
        (await serving.runtime.db.store.load(started.upgrade.id).catch(() => undefined))?.upgrade.state ===
        'completed',
      'the upgrade to complete',
      120_000,
    );
    // Each (service, node) upgraded exactly once: the controller runs keystone and nova-api.
    for (const node of lab.fleet.nodes)
      expect(lab.fleet.upgrades(node.name), node.name).toHaveLength(node.name.startsWith('ctl') ? 2 : 1);
    // Every message delivered once: one upgrade message, no post made twice.
    await until(
      async () => (await serving.runtime.db.outbox.pending('slack').catch(() => undefined)) === 0,
      'the outbox to be empty',
    );
    await until(
      () => slack.messages.find((m) => !m.thread_ts && /completed/i.test(JSON.stringify(m.blocks ?? m.text))),
      'the upgrade message to say completed',
    );
    const tops = slack.messages.filter(
      (m) => !m.thread_ts && m.text.startsWith(`Upgrade #${started.upgrade.id}`),
    );
    expect(tops).toHaveLength(1);
    const texts = slack.messages.map((m) => `${m.thread_ts ?? ''}|${m.text}`);
    expect(new Set(texts).size).toBe(texts.length);
    const scrape = await metrics.scrape();
    // Eight units: keystone and nova-api on the controller, nova-compute on six computes.
    expect(scrape).toMatch(/^drover_units_finished_total\{outcome="done",kind="upgrade"\} 8$/m);
    expect(scrape).toMatch(/^drover_upgrades\{state="completed"\} 1$/m);
  }, 600_000);

  it('starts with Slack unreachable and becomes ready once Slack answers', async () => {
    const lab = await startLab({ controllers: 1, computes: 1 });
    cleanups.push(() => lab.close());
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    slack.down();
    const serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger },
    );
    cleanups.push(() => serving.stop(1_000));
    const healthz = async () => {
      const response = await fetch(`http://127.0.0.1:${serving.port}/healthz`);
      return { status: response.status, body: readinessOf(await response.json()) };
    };
    const first = await healthz();
    expect(first.status).toBe(503);
    expect(Object.keys(first.body.down)).toEqual(['slack']);
    await until(
      () => slack.calls.filter((c) => c.method === 'auth.test').length >= 2,
      'serve to ask Slack again',
    );
    slack.up();
    await until(async () => (await healthz()).status === 200, 'serve to be ready once Slack answers', 60_000);
  }, 120_000);
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/adapters/metrics/metrics.js';
import { readServeEnv, type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { createTestClock } from '../support/clock.js';
import { type FakeDiscord, startFakeDiscord } from '../support/fake-discord.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, OPS, startLab } from '../support/lab.js';
import { parsePrometheus, total } from '../support/prometheus.js';
import { until } from '../support/wait.js';
import { deliveryHeaders } from '../support/webhook.js';

const SECRET = 'slack-secret';
const HOOK = 'hook-secret';
const DISCORD_CHANNEL = '1122334455667788';

describe('drover serve', () => {
  it('refuses a half-configured platform, naming the missing variable', () => {
    expect(() => readServeEnv({ SLACK_BOT_TOKEN: 'xoxb' })).toThrow(/SLACK_SIGNING_SECRET is missing/);
    expect(() => readServeEnv({ DISCORD_APPLICATION_ID: '1' })).toThrow(/DISCORD_TOKEN is missing/);
    expect(() => readServeEnv({})).toThrow(/no chat platform configured/);
    expect(readServeEnv({ SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 'y', PORT: '8080' }).PORT).toBe(8080);
    expect(readServeEnv({ SLACK_BOT_TOKEN: 'x', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
    expect(() => readServeEnv({ SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/SLACK_BOT_TOKEN is missing/);
    expect(() => readServeEnv({ SLACK_BOT_TOKEN: 'x', SLACK_APP_TOKEN: 'xoxb-1' })).toThrow(/xapp-/);
    expect(readServeEnv({ SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 'y' }).DROVER_SHUTDOWN_GRACE).toBe(
      30_000,
    );
    expect(() =>
      readServeEnv({ SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 'y', DROVER_SHUTDOWN_GRACE: 'soon' }),
    ).toThrow(/DROVER_SHUTDOWN_GRACE/);
  });

  it('runs Slack in Socket Mode from SLACK_APP_TOKEN, with no signing secret', async () => {
    const lab = await startLab({ controllers: 1, computes: 1 });
    const slack = await startFakeSlack();
    const serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_APP_TOKEN: 'xapp-test',
        SLACK_API_URL: slack.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), logger: silentLogger },
    );
    try {
      await slack.socketConnected();
      await until(
        async () => (await fetch(`http://127.0.0.1:${serving.port}/healthz`)).status === 200,
        'ready',
      );
      const answer = await slack.sendEnvelope('slash_commands', {
        command: '/upgrade',
        text: 'help start',
        user_id: 'U9X',
        user_name: 'u9x',
        channel_id: 'C0LAB',
        team_id: 'T1',
        response_url: `${slack.apiUrl.replace(/\/api\/$/, '')}/response/1`,
        trigger_id: 't.1',
        api_app_id: 'A1',
        token: 'legacy',
      });
      expect(answer).toMatchObject({ text: expect.stringContaining('/upgrade start <release>') });
      expect((await fetch(`http://127.0.0.1:${serving.port}/slack/events`, { method: 'POST' })).status).toBe(
        404,
      );
    } finally {
      await serving.stop(1_000);
      await slack.close();
      await lab.close();
    }
  }, 60_000);

  it('acts on what this process writes at once, without waiting for its poll', async () => {
    // On a clock that never moves, the pump's poll never comes: only its doorbell can wake it.
    const lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    const slack = await startFakeSlack();
    const serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), clock: createTestClock(), logger: silentLogger },
    );
    try {
      await until(() => slack.calls.some((call) => call.method === 'auth.test'), 'Slack to be ready');
      await new Promise((resolve) => setTimeout(resolve, 300)); // the pump is waiting by now
      const started = await serving.runtime.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
      await until(
        () => slack.messages.find((m) => m.text.startsWith(`Upgrade #${started.upgrade.id}`)),
        'the upgrade message',
        10_000,
      );
    } finally {
      await serving.stop();
      await slack.close();
      await lab.close();
    }
  }, 60_000);

  describe('with Slack and Discord side by side', () => {
    let lab: Lab;
    let slack: FakeSlack;
    let discord: FakeDiscord;
    let serving: Serving;
    const base = () => `http://127.0.0.1:${serving.port}`;

    beforeAll(async () => {
      lab = await startLab({ controllers: 1, computes: 2, strategy: '{ kind: all-at-once }' });
      const yaml = (await import('node:fs'))
        .readFileSync(lab.configPath, 'utf8')
        .replace('channels: { slack: C0LAB }', `channels: { slack: C0LAB, discord: "${DISCORD_CHANNEL}" }`);
      writeFileSync(lab.configPath, yaml);
      slack = await startFakeSlack();
      discord = await startFakeDiscord({ channels: [DISCORD_CHANNEL], token: 'discord-token' });
      serving = await startServe(
        {
          PORT: '0',
          DATABASE_URL: '',
          SLACK_BOT_TOKEN: 'xoxb-test',
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: slack.apiUrl,
          DISCORD_TOKEN: 'discord-token',
          DISCORD_APPLICATION_ID: discord.applicationId,
          DISCORD_API_URL: discord.apiUrl,
          DROVER_WEBHOOK_SECRET: HOOK,
        },
        lab.configPath,
        { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger, metrics: createMetrics() },
      );
    }, 60_000);
    afterAll(async () => {
      await serving?.stop();
      await discord?.close();
      await slack?.close();
      await lab?.close();
    });

    it('answers /healthz 200 once the database is migrated and both platforms are connected', async () => {
      const health = await until(async () => {
        const response = await fetch(`${base()}/healthz`);
        return response.status === 200 ? response.json() : undefined;
      }, 'health');
      expect(health).toEqual({ ok: true, waiting: [], down: {} });
      expect((await fetch(`${base()}/livez`)).status).toBe(200);
      expect((await fetch(`${base()}/nowhere`)).status).toBe(404);
    });

    it('an upgrade started on Slack shows on Discord too, and an ack on Discord shows on both', async () => {
      writeFileSync(join(lab.fleet.dirOf('cmp-01'), 'fail-health-nova-compute'), '');
      const client = slackClient(`${base()}/slack/events`, SECRET, slack.apiUrl.replace(/\/api\/$/, ''));
      expect((await client.command('U0OPS', 'start havana')).json().text).toMatch(/^upgrade #1 started/);
      const title = (m: { embeds: Array<Record<string, unknown>>; content: string }) =>
        String(m.embeds[0]?.title ?? m.content);
      await until(
        () => slack.messages.find((m) => m.text.startsWith('Upgrade #1') && !m.thread_ts),
        'the upgrade message on Slack',
      );
      await until(
        () => discord.messages(DISCORD_CHANNEL).find((m) => title(m).startsWith('Upgrade #1')),
        'the upgrade message on Discord',
      );
      const slackFailure = await until(
        () => slack.messages.find((m) => m.text.startsWith('Failure #1') && !m.thread_ts),
        'the failure on Slack',
      );
      const discordFailure = await until(
        () => discord.messages(DISCORD_CHANNEL).find((m) => title(m).startsWith('Failure #1')),
        'the failure on Discord',
      );
      await until(() => discord.channel(discordFailure.id), 'the failure thread on Discord');
      // The client learns of the new thread from the gateway; say it again until it has.
      let said = 0;
      await until(async () => {
        if (said++ % 40 === 0) discord.say({ id: '5566778899' }, discordFailure.id, 'ack on it');
        return (await serving.runtime.db.store.failure(1))?.state === 'acked';
      }, 'the ack');
      await until(
        () => JSON.stringify(slackFailure.blocks).includes('acknowledged by'),
        'the Slack post to show the ack',
      );
      await until(
        () => JSON.stringify(discordFailure).includes('acknowledged by'),
        'the Discord post to show the ack',
      );
    }, 60_000);

    it('GET /metrics: Prometheus text whose counters moved with the upgrade', async () => {
      const response = await fetch(`${base()}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = parsePrometheus(await response.text());
      expect(total(samples, 'drover_units_finished_total')).toBeGreaterThanOrEqual(3);
      expect(total(samples, 'drover_units_finished_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(1);
      expect(
        total(samples, 'drover_phase_duration_seconds_count', { phase: 'upgrade' }),
      ).toBeGreaterThanOrEqual(3);
      expect(total(samples, 'drover_chat_api_calls_total', { platform: 'slack' })).toBeGreaterThan(0);
      expect(total(samples, 'drover_chat_api_calls_total', { platform: 'discord' })).toBeGreaterThan(0);
      expect(total(samples, 'drover_upgrades')).toBe(1);
      expect(total(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    });

    it('POST /hooks/deploy: a bad signature is 401, bad input 400 with the reason, nothing started', async () => {
      const post = (body: string, secret?: string) =>
        fetch(`${base()}/hooks/deploy`, {
          method: 'POST',
          headers: secret ? deliveryHeaders(secret, body) : { 'content-type': 'application/json' },
          body,
        });
      const body = JSON.stringify({ environment: 'lab', commit: lab.repo.grizzly });
      expect((await post(body)).status).toBe(401);
      expect((await post(body, 'wrong')).status).toBe(401);
      const unknownEnv = JSON.stringify({ environment: 'prod', commit: lab.repo.grizzly });
      const answer = await post(unknownEnv, HOOK);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: 'unknown environment "prod"' });
      const unknownCommit = JSON.stringify({ environment: 'lab', commit: 'deadbeefdeadbeef' });
      const missing = await post(unknownCommit, HOOK);
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toMatch(/^unknown commit deadbeefdeadbeef/);
      expect((await serving.runtime.db.store.recent(10)).map((u) => u.id)).toEqual([1]);
    });

    it('POST /hooks/deploy with a signed commit starts an all-at-once upgrade pinned to it', async () => {
      await serving.runtime.engine.upgrades.abort(
        { id: 'cli:ops@test', platform: 'cli', name: 'ops' },
        { upgradeId: 1 },
      );
      const { execFileSync } = await import('node:child_process');
      const commit = execFileSync('git', ['-C', lab.repo.path, 'rev-parse', 'stable/havana'])
        .toString()
        .trim();
      const body = JSON.stringify({ environment: 'lab', commit });
      const answer = await fetch(`${base()}/hooks/deploy`, {
        method: 'POST',
        headers: deliveryHeaders(HOOK, body),
        body,
      });
      expect(answer.status).toBe(202);
      const { upgrade } = (await answer.json()) as { upgrade: number };
      const snapshot = (await serving.runtime.db.store.load(upgrade))!;
      expect(snapshot.upgrade.plan).toMatchObject({
        pinned: true,
        commit,
        strategy: { kind: 'all-at-once' },
      });
      expect(snapshot.upgrade.startedBy).toBe('deploy hook');
    }, 60_000);
  });
});

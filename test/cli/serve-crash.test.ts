// `drover serve` killed (SIGKILL) while Slack holds its chat.postMessage answer, then started
// again on the same database, as a service manager restarts it: the message the dead process
// was posting appears once in the channel (the new process finds it by the outbox key in its
// metadata instead of posting it again), and the channel goes on within seconds of the new
// process being ready. Both serves are child processes; embedded PGlite in the same data
// directory one after the other (PostgreSQL when DATABASE_URL is set); the fake Slack.
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresDatabase } from '../support/db.js';
import { slackClient, startFakeSlack } from '../support/fake-slack.js';
import { startLab } from '../support/lab.js';
import { serveChild } from '../support/serve-child.js';
import { until } from '../support/wait.js';

const SECRET = 'slack-secret';

describe('drover serve killed while chat.postMessage is in flight', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('the message appears once, and the next one follows within seconds of the restart', async () => {
    const lab = await startLab({ controllers: 1, computes: 2, strategy: '{ kind: rolling, batch: 1 }' });
    cleanups.push(() => lab.close());
    const database = process.env.DATABASE_URL ? await freshPostgresDatabase() : undefined;
    if (database) cleanups.push(() => database.drop());
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    const env = {
      DATABASE_URL: database?.url ?? '',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
    };
    const ready = async (port: number) =>
      until(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200,
        'serve to be ready',
        60_000,
        50,
      );

    const first = serveChild(lab.configPath, lab.root, env);
    cleanups.push(async () => {
      first.child.kill('SIGKILL');
      await first.exit;
    });
    const firstPort = await first.port;
    await ready(firstPort);
    const held = slack.holdNext('chat.postMessage');
    cleanups.push(async () => held.release());
    const client = slackClient(
      `http://127.0.0.1:${firstPort}/slack/events`,
      SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );
    expect((await client.command('U0OPS', 'start havana auto')).json().text).toMatch(/^upgrade #1 started/);
    // Slack has posted the upgrade message; its answer is held, and the process dies waiting.
    await held.arrived;
    const isUpgradeMessage = (m: { text: string; thread_ts?: string }) =>
      !m.thread_ts && m.text.startsWith('Upgrade #1');
    expect(slack.messages.filter(isUpgradeMessage)).toHaveLength(1);
    const postedBeforeKill = slack.messages.length;
    first.child.kill('SIGKILL');
    await first.exit;
    held.release();

    const second = serveChild(lab.configPath, lab.root, env);
    cleanups.push(async () => {
      second.child.kill('SIGKILL');
      await second.exit;
    });
    await ready(await second.port);
    const readyAt = Date.now();
    // The next message in the channel: a reply in the upgrade message's thread or a new post.
    await until(() => slack.messages.length > postedBeforeKill, 'the next message', 60_000, 20);
    const silentMs = Date.now() - readyAt;
    process.stdout.write(`first message after the restart: ${silentMs} ms after it was ready\n`);
    // The dead process's claim on the channel ends within 6 s (it no longer heartbeats it).
    expect(silentMs).toBeLessThan(10_000);

    await until(
      () =>
        slack.messages.some((m) => m.thread_ts && /completed/i.test(m.text)) ||
        slack.messages.some((m) => isUpgradeMessage(m) && /completed/i.test(m.text)),
      'the upgrade to complete and say so',
      120_000,
    );
    expect(slack.messages.filter(isUpgradeMessage)).toHaveLength(1);
    // It looked before posting again (the history search), found the post, and brought it up to
    // date by editing it: no second post of that key.
    expect(slack.calls.some((call) => call.method === 'conversations.history')).toBe(true);
    const keys = slack.messages
      .filter((m) => !m.thread_ts)
      .map((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key);
    expect(keys.filter((key) => key === 'upgrade:1')).toHaveLength(1);
  }, 300_000);
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Serving, startServe } from '../../../src/cli/serve.js';
import { silentLogger } from '../../../src/engine/log.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../../support/fake-slack.js';
import { type Lab, startLab } from '../../support/lab.js';
import { until } from '../../support/wait.js';

const SECRET = 'slack-signing-secret';
const OPS = 'U0OPS';
const ALICE = 'U01ALICE';

describe('Slack end to end: the real Bolt app against a fake Slack', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let serving: Serving;
  let client: ReturnType<typeof slackClient>;
  const texts = () => slack.messages.map((m) => m.text);

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 3, strategy: '{ kind: all-at-once }' });
    slack = await startFakeSlack();
    serving = await startServe(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        DATABASE_URL: '',
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger },
    );
    client = slackClient(
      `http://127.0.0.1:${serving.port}/slack/events`,
      SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );
  });
  afterAll(async () => {
    await serving?.stop();
    await slack?.close();
    await lab?.close();
  });

  it('rejects a bad signature with 401 and records nothing', async () => {
    const response = await client.command(OPS, 'start havana', { secret: 'wrong' });
    expect(response.status).toBe(401);
    const stale = await client.command(OPS, 'start havana', {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    expect(await serving.runtime.db.store.active()).toEqual([]);
  });

  it('answers malformed commands with a usage line and a developer’s start with a refusal, changing nothing', async () => {
    const unknown = await client.command(OPS, 'frobnicate');
    expect(unknown.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('unknown verb "frobnicate"'),
    });
    const bad = await client.command(OPS, 'start havana strategy=sideways');
    expect(bad.json().text).toMatch(/usage: \/upgrade start <release>/);
    const refused = await client.command(ALICE, 'start havana');
    expect(refused.json().text).toMatch(/only operators may start/);
    expect(await serving.runtime.db.store.active()).toEqual([]);
  });

  it('start → ephemeral ack → upgrade message edited to completed; failures of two nodes share one post; ack in thread; Retry button', async () => {
    for (const node of ['cmp-01', 'cmp-02'])
      writeFileSync(join(lab.fleet.dirOf(node), 'fail-health-nova-compute'), '');
    const started = Date.now();
    const response = await client.command(OPS, 'start havana');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^upgrade #1 started/),
    });

    const upgradePost = await until(
      () => slack.messages.find((m) => m.text.startsWith('Upgrade #1') && !m.thread_ts),
      'the upgrade message',
    );
    const failurePost = await until(
      () => slack.messages.find((m) => m.text.startsWith('Failure #1') && !m.thread_ts),
      'the failure post',
    );
    await until(
      () => failurePost.text.includes('cmp-01') && failurePost.text.includes('cmp-02'),
      'both nodes on one failure post',
    );
    expect(slack.messages.filter((m) => m.text.startsWith('Failure #') && !m.thread_ts)).toHaveLength(1);
    expect(JSON.stringify(failurePost.blocks)).toContain('drover_retry');
    await until(() => upgradePost.text.includes('paused'), 'the upgrade message to show the pause');

    // A thread reply that is not an ack is ignored; `ack` from a developer is recorded, once.
    await client.event('Ev-chat', {
      type: 'message',
      channel: 'C0LAB',
      user: ALICE,
      text: 'looking into it',
      ts: '1800000000.000001',
      thread_ts: failurePost.ts,
    });
    const ackEvent = {
      type: 'message',
      channel: 'C0LAB',
      user: ALICE,
      text: 'ack reverting the driver change',
      ts: '1800000000.000002',
      thread_ts: failurePost.ts,
    };
    expect((await client.event('Ev-ack', ackEvent)).status).toBe(200);
    expect((await client.event('Ev-ack', ackEvent, 1)).status).toBe(200);
    const failure = await until(async () => {
      const f = await serving.runtime.db.store.failure(1);
      return f?.state === 'acked' ? f : undefined;
    }, 'the ack in the store');
    expect(failure).toMatchObject({ ackedBy: 'Alice', ackNote: 'reverting the driver change' });
    await until(
      () => JSON.stringify(failurePost.blocks).includes('acknowledged by Alice'),
      'the post to show the ack',
    );
    const acks = (await serving.runtime.db.store.eventsAfter(0, 1000)).filter(
      (e) => e.type === 'failure.acked',
    );
    expect(acks).toHaveLength(1);

    // A non-developer's ack in the thread gets an ephemeral refusal.
    await client.event('Ev-intruder', {
      type: 'message',
      channel: 'C0LAB',
      user: 'U9RANDOM',
      text: 'ack',
      ts: '1800000000.000003',
      thread_ts: failurePost.ts,
    });
    await until(() => slack.ephemeral.find((e) => e.user === 'U9RANDOM'), 'the refusal');

    // Retry from the button, after the nodes are fixed.
    for (const node of ['cmp-01', 'cmp-02'])
      writeFileSync(join(lab.fleet.dirOf(node), 'fail-health-nova-compute'), '');
    const { unlinkSync } = await import('node:fs');
    for (const node of ['cmp-01', 'cmp-02'])
      unlinkSync(join(lab.fleet.dirOf(node), 'fail-health-nova-compute'));
    const press = await client.button(OPS, 'C0LAB', failurePost.ts, 'drover_retry', '1:cmp-01');
    expect(press.status).toBe(200);
    await until(
      async () =>
        (await serving.runtime.db.store.load(1))?.units.find((u) => u.node === 'cmp-01')?.state === 'done',
      'cmp-01 to be retried',
    );
    await client.button(OPS, 'C0LAB', failurePost.ts, 'drover_retry', '1:cmp-02');
    await until(
      () => upgradePost.text.includes('completed'),
      'the upgrade message to show completion',
      60_000,
    );
    expect(upgradePost.edits).toBeGreaterThan(0);
    expect(slack.messages.filter((m) => m.text.startsWith('Upgrade #1') && !m.thread_ts)).toHaveLength(1);
    const audit = await serving.runtime.db.db.execute('select command, outcome from audit_log order by id');
    expect(JSON.stringify(audit)).toContain('refused: not an operator');
  }, 90_000);

  it('delivers once through a 429, and in order after an outage', async () => {
    const store = serving.runtime.db.store;
    const worker = serving.workers[0]!;
    slack.failNext(1, { status: 429, retryAfter: 1 });
    await client.command(OPS, 'rollback all id=1');
    await until(async () => (await store.load(1))?.upgrade.state === 'rolled_back', 'the rollback');
    await until(
      async () => (await serving.runtime.db.outbox.pending('slack')) === 0,
      'the outbox to drain',
      20_000,
    );
    const posts = slack.messages.filter((m) => m.text.startsWith('Upgrade #1') && !m.thread_ts);
    expect(
      posts,
      JSON.stringify(
        slack.calls.map((c) => [c.method, c.body.ts, c.body.thread_ts, String(c.body.text).slice(0, 40)]),
      ),
    ).toHaveLength(1);
    expect(slack.calls.some((c) => c.method === 'chat.update')).toBe(true);

    slack.down();
    const before = slack.messages.length;
    await client.command(OPS, 'start havana');
    await until(
      async () => (await serving.runtime.db.outbox.pending('slack')) > 0,
      'messages queued while Slack is down',
    );
    expect(slack.messages.length).toBe(before);
    slack.up();
    await until(
      async () => {
        await worker.runOnce();
        return (await serving.runtime.db.outbox.pending('slack')) === 0;
      },
      'delivery after the outage',
      60_000,
    ).catch(async (error) => {
      console.log(
        JSON.stringify(
          await serving.runtime.db.db.execute(
            'select id, key, thread_of, attempts, next_attempt_at, last_error, delivered_at, superseded from outbox where delivered_at is null',
          ),
          null,
          1,
        ),
      );
      throw error;
    });
    // Upgrade #2's post came first, and every reply in its thread after it.
    const fresh = slack.messages.slice(before);
    const post = fresh.findIndex((m) => m.text.startsWith('Upgrade #2') && !m.thread_ts);
    expect(post).toBeGreaterThanOrEqual(0);
    const replies = fresh.map((m, i) => [m, i] as const).filter(([m]) => m.thread_ts === fresh[post]!.ts);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every(([, i]) => i > post)).toBe(true);
    expect(
      texts().filter((t) => t.startsWith('Upgrade #2')),
      JSON.stringify(
        slack.calls
          .slice(-40)
          .map((c) => [c.method, c.body.ts ?? '', c.body.thread_ts ?? '', String(c.body.text).slice(0, 30)]),
      ),
    ).toHaveLength(1);
  }, 90_000);
});

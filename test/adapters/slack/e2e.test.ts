// Chat-ops on Slack end to end: the real Bolt app (signatures, slash commands, buttons, Events
// API) in front of the dispatcher, the engine driving a simulated SSH fleet, the notifier and
// the outbox worker delivering to a fake Slack Web API.
import { unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { auditLog } from '../../../src/adapters/db/schema.js';
import { createSlackApp } from '../../../src/adapters/slack/app.js';
import { createDispatcher } from '../../../src/bot/dispatch.js';
import { createNotifier } from '../../../src/bot/notifier.js';
import { createOutboxWorker } from '../../../src/bot/outbox-worker.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../../support/fake-slack.js';
import { type Lab, startLab } from '../../support/lab.js';
import { until } from '../../support/wait.js';

const SECRET = 'slack-signing-secret';
const OPS = 'U0OPS';
const ALICE = 'U01ALICE';

describe('Chat-ops on Slack, end to end', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let server: Server;
  let client: ReturnType<typeof slackClient>;
  const errors: unknown[] = [];
  const abort = new AbortController();
  let running: Promise<unknown>;

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 3, strategy: '{ kind: all-at-once }' });
    slack = await startFakeSlack();
    const { database, config, engine } = lab;
    const dispatcher = createDispatcher({ upgrades: engine.upgrades, store: database.store, config });
    const app = createSlackApp({
      token: 'xoxb-test',
      signingSecret: SECRET,
      apiUrl: slack.apiUrl,
      dispatcher,
      outbox: database.outbox,
      dedup: database.dedup,
      clock: systemClock,
      onError: (error) => errors.push(error),
    });
    await app.ready();
    server = createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    client = slackClient(
      `http://127.0.0.1:${port}/slack/events`,
      SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );

    const notifier = createNotifier({
      config,
      store: database.store,
      outbox: database.outbox,
      platforms: ['slack'],
    });
    const worker = createOutboxWorker({
      outbox: database.outbox,
      transport: app.transport,
      clock: systemClock,
      owner: 'slack-test',
    });
    const pump = async () => {
      while (!abort.signal.aborted) {
        const work = (await notifier.runOnce()) + (await worker.runOnce());
        if (work === 0) await systemClock.sleep(50, abort.signal);
      }
    };
    running = Promise.all([engine.serve(abort.signal), pump()]);
  });
  afterAll(async () => {
    abort.abort();
    await running?.catch((error) => errors.push(error));
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await slack?.close();
    await lab?.close();
  });

  const store = () => lab.database.store;
  const topLevel = (prefix: string) =>
    slack.messages.filter((m) => m.text.startsWith(prefix) && !m.thread_ts);

  it('rejects a bad or stale signature with 401 and records nothing', async () => {
    expect((await client.command(OPS, 'start havana', { secret: 'wrong' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect((await client.command(OPS, 'start havana', { timestamp: stale })).status).toBe(401);
    expect(await store().active()).toEqual([]);
    expect(await lab.database.db.select().from(auditLog)).toEqual([]);
  });

  it('answers malformed commands with a usage line and refuses a developer’s start, audited', async () => {
    const unknown = await client.command(OPS, 'frobnicate');
    expect(unknown.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('unknown verb'),
    });
    expect((await client.command(OPS, 'start havana strategy=sideways')).json().text).toMatch(
      /usage: \/upgrade start <release>/,
    );
    expect((await client.command(ALICE, 'start havana')).json().text).toMatch(/^only operators may start/);
    expect(await store().active()).toEqual([]);
    const audit = await lab.database.db
      .select({ actor: auditLog.actorId, command: auditLog.command, outcome: auditLog.outcome })
      .from(auditLog)
      .orderBy(asc(auditLog.id));
    expect(audit.at(-1)).toEqual({
      actor: `slack:${ALICE}`,
      command: 'start',
      outcome: 'refused: not an operator',
    });
  });

  it('start → upgrade message; two nodes failing alike → one post; thread ack once; Retry → completed', async () => {
    for (const node of ['cmp-01', 'cmp-02'])
      writeFileSync(join(lab.fleet.dirOf(node), 'fail-health-nova-compute'), '');
    const asked = Date.now();
    const response = await client.command(OPS, 'start havana');
    expect(Date.now() - asked).toBeLessThan(3000);
    expect(response.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^upgrade #1 started/),
    });

    const upgradePost = await until(() => topLevel('Upgrade #1')[0], 'the upgrade message');
    const failurePost = await until(() => topLevel('Failure #')[0], 'the failure post');
    await until(
      () => /cmp-01, cmp-02|cmp-02, cmp-01/.test(failurePost.text),
      'both nodes on the one failure post',
    );
    await until(() => upgradePost.text.includes('paused'), 'the upgrade message to show the pause');
    expect(topLevel('Failure #')).toHaveLength(1);
    expect(slack.messages.some((m) => m.thread_ts === upgradePost.ts)).toBe(true); // wave events in its thread

    // A reply that is not an ack is ignored; a developer's `ack <note>` is recorded once,
    // though Slack delivers the event twice.
    const thread = { type: 'message', channel: 'C0LAB', thread_ts: failurePost.ts };
    await client.event('Ev-chat', {
      ...thread,
      user: ALICE,
      text: 'looking into it',
      ts: '1800000000.000001',
    });
    const ack = { ...thread, user: ALICE, text: 'ack reverting the driver change', ts: '1800000000.000002' };
    expect((await client.event('Ev-ack', ack)).status).toBe(200);
    expect((await client.event('Ev-ack', ack, 1)).status).toBe(200);
    await until(async () => (await store().failure(1))?.state === 'acked', 'the ack in the store');
    expect(await store().failure(1)).toMatchObject({
      ackedBy: 'Alice',
      ackNote: 'reverting the driver change',
    });
    await until(
      () => JSON.stringify(failurePost.blocks).includes('acknowledged by Alice'),
      'the post to show it',
    );
    // The retried delivery was dropped before the engine: the engine refuses a second ack
    // (that refusal would be audited), so the audit log has exactly one ack.
    const audited = await lab.database.db
      .select({ command: auditLog.command, outcome: auditLog.outcome })
      .from(auditLog)
      .orderBy(asc(auditLog.id));
    expect(audited.filter((entry) => entry.command === 'ack')).toEqual([{ command: 'ack', outcome: 'ok' }]);
    expect((await store().eventsAfter(0, 1000)).filter((e) => e.type === 'failure.acked')).toHaveLength(1);

    // Someone who is neither developer nor operator gets a private refusal.
    await client.event('Ev-intruder', { ...thread, user: 'U9RANDOM', text: 'ack', ts: '1800000000.000003' });
    await until(() => slack.ephemeral.find((e) => e.user === 'U9RANDOM'), 'the ephemeral refusal');

    // Fix the nodes; the operator presses the post's Retry button: it retries both of them.
    for (const node of ['cmp-01', 'cmp-02'])
      unlinkSync(join(lab.fleet.dirOf(node), 'fail-health-nova-compute'));
    const actions = (
      failurePost.blocks as Array<{
        type: string;
        elements?: Array<{ action_id: string; value: string; text: { text: string } }>;
      }>
    ).find((block) => block.type === 'actions')!.elements!;
    const retry = actions.find((element) => element.action_id === 'drover_retry')!;
    expect(retry.text.text).toBe('Retry 2 nodes');
    expect((await client.button(OPS, 'C0LAB', failurePost.ts, retry.action_id, retry.value)).status).toBe(
      200,
    );
    await until(
      async () =>
        (await store().load(1))?.units
          .filter((u) => u.node === 'cmp-01' || u.node === 'cmp-02')
          .every((u) => u.state === 'done'),
      'both nodes retried',
    );
    await until(
      () => upgradePost.text.includes('completed'),
      'the upgrade message to show completion',
      60_000,
    );
    expect(upgradePost.edits).toBeGreaterThan(0);
    expect(topLevel('Upgrade #1')).toHaveLength(1);
    expect(errors).toEqual([]);
  }, 90_000);
});

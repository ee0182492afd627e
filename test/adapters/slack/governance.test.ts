// Governance on Slack end to end: the real Bolt app in front of the dispatcher, a simulated
// fleet, the notifier and outbox worker posting to a fake Slack Web API. Per-environment
// roles, a lock, a freeze and its override, a start needing another operator's approval
// (refused for the requester, expired on a test clock, carried out after an Approve button),
// the gate buttons with their confirmation, and `audit` showing it all.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { createSlackApp } from '../../../src/adapters/slack/app.js';
import { createDispatcher, type Dispatcher } from '../../../src/bot/dispatch.js';
import { createAnnouncer } from '../../../src/bot/governance/announce.js';
import { createNotifier } from '../../../src/bot/notifier.js';
import { createOutboxWorker } from '../../../src/bot/outbox-worker.js';
import { createTestClock } from '../../support/clock.js';
import { type FakeSlack, type SlackMessage, slackClient, startFakeSlack } from '../../support/fake-slack.js';
import { type Lab, startLab } from '../../support/lab.js';
import { until } from '../../support/wait.js';

const SECRET = 'slack-signing-secret';
const TOP_OPS = 'U0OPS'; // an operator at the top level, not of lab
const BOB = 'U0BOB'; // operators of lab
const CAROL = 'U0CAROL';

interface Element {
  action_id: string;
  value: string;
  text: { text: string };
  confirm?: { title: { text: string }; confirm: { text: string } };
}
const buttons = (message: SlackMessage): Element[] =>
  (message.blocks as Array<{ type: string; elements?: Element[] }> | undefined)?.find(
    (block) => block.type === 'actions',
  )?.elements ?? [];

describe('Governance on Slack, end to end', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let server: Server;
  let client: ReturnType<typeof slackClient>;
  let dispatcher: Dispatcher;
  const clock = createTestClock('2026-03-02T09:00:00Z');
  const errors: unknown[] = [];
  const abort = new AbortController();
  let running: Promise<unknown>;

  beforeAll(async () => {
    lab = await startLab({
      controllers: 1,
      computes: 3,
      strategy: '{ kind: rolling, batch: 2 }',
      environment: [
        '    timezone: UTC',
        `    operators: { slack: [${BOB}, ${CAROL}] }`,
        '    approvals: { start: 1 }',
        '    approvalTimeout: 30m',
        '    freeze:',
        '      - { from: 2026-03-05, to: 2026-03-05, reason: quarter close }',
      ].join('\n'),
    });
    slack = await startFakeSlack();
    const { database, config, engine } = lab;
    dispatcher = createDispatcher({
      upgrades: engine.upgrades,
      store: database.store,
      config,
      governance: {
        store: database.governance,
        clock,
        announce: createAnnouncer(database.outbox, config, ['slack']),
      },
    });
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
      owner: 'slack-governance-test',
    });
    const pump = async () => {
      while (!abort.signal.aborted) {
        const work = (await dispatcher.sweep()) + (await notifier.runOnce()) + (await worker.runOnce());
        if (work === 0) await systemClock.sleep(50, abort.signal);
      }
    };
    running = Promise.all([engine.serve(abort.signal), pump()]);
  }, 60_000);
  afterAll(async () => {
    abort.abort();
    await running?.catch((error) => errors.push(error));
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await slack?.close();
    await lab?.close();
  });

  const say = async (user: string, text: string) => String((await client.command(user, text)).json().text);
  const store = () => lab.database.store;
  const posted = (prefix: string) => slack.messages.filter((m) => !m.thread_ts && m.text.startsWith(prefix));
  const press = async (user: string, message: SlackMessage, action: string) => {
    const button = buttons(message).find((element) => element.action_id === `drover_${action}`);
    if (!button) throw new Error(`no ${action} button on "${message.text}"`);
    expect(
      (await client.button(user, message.channel, message.ts, button.action_id, button.value)).status,
    ).toBe(200);
    return button;
  };
  const privately = (text: RegExp) =>
    until(() => slack.responses.find((r) => text.test(String(r.text))), `a private reply ${text}`);

  it('per-environment roles: a top-level operator is not an operator of lab, and is told which list', async () => {
    expect(await say(TOP_OPS, 'start havana')).toBe(
      'only operators of lab may start; ask one of them, or get added to `environments.lab.operators:` in drover.yaml',
    );
    expect(await say(TOP_OPS, 'status')).toMatch(/no upgrades yet/);
    expect(await store().recent(1)).toEqual([]);
  });

  it('a lock held by one operator refuses another’s start with holder, reason and age; force is announced', async () => {
    expect(await say(CAROL, 'lock db migration tonight')).toMatch(
      /^lab locked by u0carol: db migration tonight/,
    );
    clock.advance(5 * 60_000);
    expect(await say(BOB, 'start havana')).toBe(
      'start refused: lab is locked by u0carol for 5m: db migration tonight. Ask u0carol, or `unlock env=lab force`',
    );
    expect(await say(BOB, 'status')).toMatch(/lab is locked by u0carol for 5m: db migration tonight/);
    expect(await say(BOB, 'unlock')).toMatch(/only u0carol unlocks it/);
    expect(await say(BOB, 'unlock force')).toMatch(/^u0bob force-unlocked lab, held by u0carol/);
    await until(
      () => posted(':warning: u0bob force-unlocked lab')[0] ?? posted('u0bob force-unlocked lab')[0],
      'the forced unlock in the channel',
    );
    expect(await store().recent(1)).toEqual([]);
  });

  it('a start needing one approval: refused for the requester, expired after the timeout', async () => {
    expect(await say(BOB, 'start havana')).toMatch(
      /^`start havana env=lab` needs 1 approval\(s\) from other operators of lab: request #1 \(upgrade #1 awaits it\)/,
    );
    expect((await store().load(1))?.upgrade.state).toBe('awaiting_approval');
    const post = await until(() => posted('Request #1')[0], 'the request post');
    expect(buttons(post).map((b) => b.text.text)).toEqual(['Approve', 'Reject']);
    expect(await say(BOB, 'status')).toMatch(
      /request #1: `start havana env=lab` in lab by u0bob: 0\/1 approval,/,
    );

    await press(BOB, post, 'approve');
    await privately(/you asked for request #1: another operator of lab must approve it/);

    clock.advance(31 * 60_000);
    await until(
      async () => (await store().load(1))?.upgrade.state === 'aborted',
      'the awaiting upgrade to end',
    );
    expect((await store().load(1))?.upgrade.reason).toMatch(
      /request #1 expired after 30m with 0\/1 approvals/,
    );
    await until(() => post.text.includes('expired'), 'the post to show the expiry');
    expect(buttons(post)).toEqual([]);
    expect(await say(CAROL, 'approve 1')).toMatch(/request #1 is already expired/);
  });

  it('a freeze refuses start with its reason and end; override passes it, approved by another operator, announced', async () => {
    clock.set('2026-03-05T08:00:00Z');
    expect(await say(BOB, 'start havana')).toBe(
      'start refused: lab is frozen (quarter close) until Fri, 6 Mar 2026, 00:00 UTC. To pass it anyway, add override="<reason>" (audited and announced)',
    );
    expect(await say(BOB, 'start havana override="hotfix INC-7"')).toMatch(
      /request #2 \(upgrade #2 awaits it\)/,
    );
    const post = await until(() => posted('Request #2')[0], 'the request post');
    await press(CAROL, post, 'approve');
    await until(
      async () => (await store().load(2))?.upgrade.state === 'running',
      'the approved start to run',
    );
    expect((await store().load(2))?.upgrade.startedBy).toBe('u0bob');
    await until(() => post.text.includes('approved'), 'the post edited as approved');
    expect(JSON.stringify(post.blocks)).toContain('carried out as u0bob');
    await until(
      () => slack.messages.find((m) => m.text.includes('u0bob overrode the freeze of lab (quarter close)')),
      'the override announced',
    );
  });

  it('Step, Pause, Resume and Roll back wave buttons on the upgrade message, the last with a confirmation', async () => {
    const message = await until(() => posted('Upgrade #2')[0], 'the upgrade message');
    await until(
      () => buttons(message).some((b) => b.action_id === 'drover_step'),
      'a Step button at the gate',
    );
    const rollback = buttons(message).find((b) => b.action_id === 'drover_rollback');
    expect(rollback?.confirm).toMatchObject({
      title: { text: 'Roll back the wave?' },
      confirm: { text: 'Roll back' },
    });
    expect(buttons(message).find((b) => b.action_id === 'drover_abort')?.confirm?.title.text).toBe(
      'Abort the upgrade?',
    );
    expect(buttons(message).find((b) => b.action_id === 'drover_step')?.confirm).toBeUndefined();

    clock.set('2026-03-06T08:00:00Z'); // the freeze is over: step needs no override
    const wave = (await store().load(2))!.upgrade.currentWave;
    await press(BOB, message, 'step');
    await until(async () => (await store().load(2))!.upgrade.currentWave > wave, 'the step to move the wave');

    await until(() => buttons(message).some((b) => b.action_id === 'drover_pause'), 'a Pause button');
    await press(CAROL, message, 'pause');
    await until(async () => (await store().load(2))?.upgrade.state === 'paused', 'paused by the button');
    await until(() => buttons(message).some((b) => b.action_id === 'drover_resume'), 'a Resume button');
    await press(CAROL, message, 'resume');
    await until(async () => (await store().load(2))?.upgrade.state !== 'paused', 'resumed by the button');
    await until(() => buttons(message).some((b) => b.action_id === 'drover_rollback'), 'a Roll back button');
    await press(BOB, message, 'rollback');
    await until(
      async () => ['rolling_back', 'rolled_back'].includes((await store().load(2))!.upgrade.state),
      'rolled back by the button',
    );
  }, 60_000);

  it('audit shows all of it, newest first, to operators and developers only', async () => {
    expect(await say('U9STRANGER', 'audit')).toMatch(/^only developers and operators may audit/);
    const text = await say('U01ALICE', 'audit n=50');
    const lines = text.split('\n');
    const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const requested = index(
      /u0bob \(slack\)\s+start havana override="hotfix INC-7" → requested: request #2.*\[upgrade #2, request #2, lab\]/,
    );
    const approved = index(/u0carol \(slack\)\s+approve request=2 → ok\s+\[upgrade #2, request #2, lab\]/);
    const carried = index(
      /u0bob \(slack\)\s+start havana env=lab override="hotfix INC-7" → ok\s+\[upgrade #2, request #2, lab\]/,
    );
    // Newest first: the approval, the start it carried out as the requester, the request.
    expect(approved).toBeGreaterThan(-1);
    expect(carried).toBe(approved + 1);
    expect(requested).toBeGreaterThan(carried);
    expect(
      index(/u0bob \(slack\)\s+approve request=1 → refused: you asked for request #1.*\[request #1, lab\]/),
    ).toBeGreaterThan(requested);
    expect(index(/drover \(engine\)\s+expire request=1 → expired after 30m/)).toBeGreaterThan(requested);
    expect(index(/u0bob \(slack\)\s+start havana → refused: frozen: quarter close/)).toBeGreaterThan(-1);
    expect(index(/u0bob \(slack\)\s+start havana → refused: locked by u0carol/)).toBeGreaterThan(-1);
    expect(index(/u0ops \(slack\)\s+start havana → refused: not an operator of lab/)).toBeGreaterThan(-1);
    expect(index(/u0bob \(slack\)\s+unlock force → ok/)).toBeGreaterThan(-1);
    expect(index(/u0carol \(slack\)\s+pause .*→ ok/)).toBeGreaterThan(-1);
    expect(errors).toEqual([]);
  });
});

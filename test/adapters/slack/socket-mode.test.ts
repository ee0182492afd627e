// Socket Mode: the same listeners, reached over the WebSocket Bolt opens with an app token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import type { Database } from '../../../src/adapters/db/open.js';
import { createSlackApp, type SlackApp } from '../../../src/adapters/slack/app.js';
import { createDispatcher } from '../../../src/bot/dispatch.js';
import { createUpgrades } from '../../../src/engine/upgrades.js';
import { openstackConfig } from '../../support/config.js';
import { openTestDatabase } from '../../support/db.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';

describe('Slack in Socket Mode', () => {
  let slack: FakeSlack;
  let database: Database;
  let app: SlackApp;

  beforeAll(async () => {
    slack = await startFakeSlack();
    database = await openTestDatabase();
    const config = openstackConfig();
    const upgrades = createUpgrades({ config, store: database.store, clock: systemClock });
    app = createSlackApp({
      token: 'xoxb-test',
      signingSecret: 'unused-in-socket-mode',
      appToken: 'xapp-test',
      apiUrl: slack.apiUrl,
      dispatcher: createDispatcher({ upgrades, store: database.store, config }),
      outbox: database.outbox,
      dedup: database.dedup,
      clock: systemClock,
    });
    await app.start();
    await slack.socketConnected();
  });
  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await database?.close();
  });

  const command = (user: string, text: string) => ({
    token: 'legacy',
    team_id: 'T1',
    channel_id: 'C0LAB',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/upgrade',
    text,
    response_url: `${slack.apiUrl.replace(/\/api\/$/, '')}/response/1`,
    trigger_id: 'trigger.1',
    api_app_id: 'A1',
  });

  it('answers /upgrade in the envelope ack, and refuses a developer’s start', async () => {
    expect(slack.calls.some((call) => call.method === 'apps.connections.open')).toBe(true);
    const help = await slack.sendEnvelope('slash_commands', command('U9X', 'help start'));
    expect(help).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/upgrade start <release>'),
    });
    const refused = await slack.sendEnvelope('slash_commands', command('U0DEV', 'start havana'));
    expect(refused).toMatchObject({ text: expect.stringMatching(/^only operators may start/) });
    expect(await database.store.active()).toEqual([]);
  });
});

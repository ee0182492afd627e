import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDigestQueries } from '../../../src/adapters/db/digest-queries.js';
import type { Database } from '../../../src/adapters/db/open.js';
import { createSlackApp } from '../../../src/adapters/slack/app.js';
import { createDigestScheduler } from '../../../src/bot/digest/runner.js';
import { createDispatcher } from '../../../src/bot/dispatch.js';
import { createOutboxWorker } from '../../../src/bot/outbox-worker.js';
import { createUpgrades } from '../../../src/engine/upgrades.js';
import { createTestClock } from '../../support/clock.js';
import { openTestDatabase } from '../../support/db.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../../support/fake-slack.js';
import { commit, culprit, digestConfig, startUpgrade } from './fixtures.js';

const SECRET = 'digest-signing-secret';

describe('/upgrade digest through the real Bolt app and a fake Slack', () => {
  let database: Database;
  let slack: FakeSlack;
  let server: Server;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await slack?.close();
    await database?.close();
  });

  it('posts the environment digest to its channel', async () => {
    const config = digestConfig();
    const { store } = database;
    const upgrade = await startUpgrade(store, config);
    const [failure] = await commit(store, upgrade, {
      upgrade: { state: 'paused', reason: 'wave 1: 1 failed, more than maxFailures 0' },
      failures: [
        {
          fingerprint: 'f',
          service: 'keystone',
          phase: 'health',
          exitCode: 3,
          nodes: ['ctl-1'],
          outputTail: '',
        },
      ],
      versions: [{ node: 'ctl-1', service: 'keystone', version: 'grizzly' }],
      events: [],
    });
    await commit(store, upgrade, {
      failures: [
        { id: failure!, culprit: culprit('c'.repeat(40), 'bump keystone', 'Alice', 'alice@example.com') },
      ],
      events: [],
    });

    const clock = createTestClock(new Date());
    const digests = createDigestScheduler({
      config,
      store,
      queries: createDigestQueries(database.db),
      digests: database.digests,
      outbox: database.outbox,
      clock,
      owner: 'serve-1',
      platforms: ['slack'],
    });
    const dispatcher = createDispatcher({
      upgrades: createUpgrades({ config, store, clock }),
      store,
      config,
      digest: (env) => digests.postDigestNow(env),
    });
    const app = createSlackApp({
      token: 'xoxb-test',
      signingSecret: SECRET,
      apiUrl: slack.apiUrl,
      dispatcher,
      outbox: database.outbox,
      dedup: database.dedup,
      clock,
    });
    server = createServer((req, res) => app.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = slackClient(
      `http://127.0.0.1:${port}/slack/events`,
      SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );

    const response = await client.command('U01ALICE', 'digest env=lab');
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ text: 'posting the lab digest to slack C0LAB' });

    const worker = createOutboxWorker({
      outbox: database.outbox,
      transport: app.transport,
      clock,
      owner: 'digest-test',
    });
    expect(await worker.drain()).toBe(1);
    const posted = slack.messages.filter((m) => m.channel === 'C0LAB' && !m.thread_ts);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toMatch(
      /^Digest lab, .*: 1 active upgrade\(s\), 1 open failure\(s\), 1 unacknowledged$/,
    );
    const blocks = JSON.stringify(posted[0]!.blocks);
    for (const part of [
      '*Active upgrades (1)*',
      `#${upgrade.upgrade.id} grizzly → havana`,
      '*Open failures (1)*',
      'keystone health (exit 3) on ctl-1',
      '*unacknowledged for 0 minutes*',
      '`ccccccc` bump keystone — by <@U01ALICE>',
      '*keystone*: 1× grizzly',
      '*Since the last digest*',
    ])
      expect(blocks).toContain(part);
  });
});

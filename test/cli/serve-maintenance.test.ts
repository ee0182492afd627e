// The ids of chat events and webhook deliveries (kept so a retry or a replay is handled once)
// do not pile up for ever: `drover serve`'s maintenance loop forgets those older than every
// platform's retry window, and keeps the recent ones. serve in this process on a test clock.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processedEvents } from '../../src/adapters/db/schema.js';
import { DELIVERY_IDS_KEEP_MS, type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { createTestClock, type TestClock } from '../support/clock.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, startLab } from '../support/lab.js';
import { until } from '../support/wait.js';

const MINUTE = 60_000;

describe('drover serve: delivery ids are pruned', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let clock: TestClock;
  let serving: Serving;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1 });
    slack = await startFakeSlack();
    clock = createTestClock(new Date());
    serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'slack-secret',
        SLACK_API_URL: slack.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), clock, logger: silentLogger },
    );
  }, 60_000);
  afterAll(async () => {
    await serving?.stop(1_000);
    await slack?.close();
    await lab?.close();
  });

  const stored = async () =>
    (await serving.runtime.db.db.select().from(processedEvents))
      .map((row) => `${row.platform}:${row.eventId}`)
      .sort();

  it('forgets ids past the retry window on its next beat, keeps the recent ones', async () => {
    const { dedup } = serving.runtime.db;
    const ago = (ms: number) => new Date(clock.now().getTime() - ms);
    expect(DELIVERY_IDS_KEEP_MS).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(await dedup.firstSeen('slack', 'Ev-old', ago(3 * DELIVERY_IDS_KEEP_MS))).toBe(true);
    expect(await dedup.firstSeen('webhook', 'delivery-old', ago(DELIVERY_IDS_KEEP_MS + 20 * MINUTE))).toBe(
      true,
    );
    expect(await dedup.firstSeen('slack', 'Ev-recent', ago(5 * MINUTE))).toBe(true);
    expect(await dedup.firstSeen('discord', 'interaction:1', ago(DELIVERY_IDS_KEEP_MS - 20 * MINUTE))).toBe(
      true,
    );

    // The next beat of the maintenance loop (every 15 s; its first may be running still): time
    // moves on until it came (a few beats at most, far less than the 20 minutes between the
    // ids and the cut).
    await until(async () => {
      clock.advance(15_000);
      return (await stored()).length === 2;
    }, 'the old ids to be forgotten');
    expect(await stored()).toEqual(['discord:interaction:1', 'slack:Ev-recent']);
    // A retry of a remembered event is still recognised.
    expect(await dedup.firstSeen('slack', 'Ev-recent', clock.now())).toBe(false);
  });

  it('forget() removes exactly the ids first seen before the cut', async () => {
    const { dedup } = serving.runtime.db;
    // Far behind the ids of the test above, which stay.
    const cut = new Date(clock.now().getTime() - 10 * DELIVERY_IDS_KEEP_MS);
    expect(await dedup.firstSeen('webhook', 'at-cut', cut)).toBe(true);
    expect(await dedup.firstSeen('webhook', 'before-cut', new Date(cut.getTime() - 1))).toBe(true);
    expect(await dedup.forget(cut)).toBe(1);
    expect(await stored()).toContain('webhook:at-cut');
    expect(await stored()).not.toContain('webhook:before-cut');
  });
});

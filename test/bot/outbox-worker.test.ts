// The outbox worker against the real outbox (PGlite) and the real Slack transport (WebClient)
// talking to a fake Slack: rate limits, outages and ordering as Slack shows them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/open.js';
import { createSlackTransport, createSlackWebClient } from '../../src/adapters/slack/transport.js';
import type { OutgoingMessage } from '../../src/bot/model.js';
import { backoffMs, createOutboxWorker } from '../../src/bot/outbox-worker.js';
import { createTestClock } from '../support/clock.js';
import { openTestDatabase } from '../support/db.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const message = (
  key: string,
  summary: string,
  threadOf: string | null = null,
  channel = 'C1',
): OutgoingMessage => ({
  platform: 'slack',
  channel,
  key,
  threadOf,
  message: { summary },
});

describe('outbox worker', () => {
  let slack: FakeSlack;
  let database: Database;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  beforeEach(async () => {
    await database?.close();
    database = await openTestDatabase();
    slack.calls.length = 0;
    slack.messages.length = 0;
  });
  afterAll(async () => {
    await database?.close();
    await slack?.close();
  });

  const worker = (clock = createTestClock()) => {
    const errors: string[] = [];
    const transport = createSlackTransport(createSlackWebClient('xoxb-test', slack.apiUrl));
    return {
      clock,
      errors,
      worker: createOutboxWorker({
        outbox: database.outbox,
        transport,
        clock,
        owner: 'worker-test',
        onError: (error) => errors.push((error as Error).message),
      }),
    };
  };

  it('honours a 429 Retry-After, then delivers once; a later version of the key edits it', async () => {
    const { clock, errors, worker: w } = worker();
    await database.outbox.enqueue([message('upgrade:1', 'Upgrade #1: running')]);
    slack.failNext(1, { status: 429, retryAfter: 3 });

    expect(await w.runOnce()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(slack.messages).toHaveLength(0);
    clock.advance(2_000);
    expect(await w.runOnce()).toBe(0);
    expect(slack.calls).toHaveLength(1); // not due before Retry-After
    clock.advance(1_000);
    expect(await w.runOnce()).toBe(1);
    expect(slack.messages.map((m) => m.text)).toEqual(['Upgrade #1: running']);
    expect(await database.outbox.pending('slack')).toBe(0);
    expect(await w.runOnce()).toBe(0);

    await database.outbox.enqueue([message('upgrade:1', 'Upgrade #1: completed')]);
    expect(await w.drain()).toBe(1);
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({ text: 'Upgrade #1: completed', edits: 1 });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
  });

  it('delivers once when runs overlap (the serve loop and a caller)', async () => {
    const { errors, worker: w } = worker();
    await database.outbox.enqueue([message('upgrade:5', 'Upgrade #5')]);
    const counts = await Promise.all([w.runOnce(), w.runOnce(), w.drain()]);
    expect(
      counts.reduce((a, b) => a + b, 0),
      errors.join('; '),
    ).toBe(1);
    expect(slack.messages.map((m) => m.text)).toEqual(['Upgrade #5']);
  });

  it('two drover processes delivering from one database post each message once, in order per channel', async () => {
    const clock = createTestClock();
    const transport = createSlackTransport(createSlackWebClient('xoxb-test', slack.apiUrl));
    const [a, b] = ['host-a:1', 'host-b:2'].map((owner) =>
      createOutboxWorker({ outbox: database.outbox, transport, clock, owner }),
    );
    const channels = ['C1', 'C2', 'C3', 'C4'];
    for (let n = 1; n <= 5; n += 1)
      await database.outbox.enqueue(
        channels.map((channel) => message(`${channel}:${n}`, `${channel} #${n}`, null, channel)),
      );
    let delivered = 0;
    for (let round = 0; round < 20 && delivered < 20; round += 1)
      delivered += (await Promise.all([a!.drain(), b!.drain(), a!.runOnce(), b!.runOnce()])).reduce(
        (x, y) => x + y,
      );
    expect(delivered).toBe(20);
    for (const channel of channels)
      expect(slack.messages.filter((m) => m.channel === channel).map((m) => m.text)).toEqual(
        [1, 2, 3, 4, 5].map((n) => `${channel} #${n}`),
      );
  });

  it('holds a channel through an outage and delivers in order after it, replies in their thread', async () => {
    const { clock, worker: w } = worker();
    slack.down();
    await database.outbox.enqueue([message('upgrade:2', 'Upgrade #2: started')]);
    await database.outbox.enqueue([message('upgrade:2:event:1', 'wave 1 of 2 started', 'upgrade:2')]);
    await database.outbox.enqueue([message('failure:4', 'Failure #4')]);
    await database.outbox.enqueue([message('upgrade:3', 'elsewhere', null, 'C2')]);

    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await w.runOnce()).toBe(0);
      clock.advance(backoffMs(attempt));
    }
    // Only the head of each channel was tried: nothing overtook the first message.
    const tried = new Set(
      slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => `${c.body.channel}:${c.body.text}`),
    );
    expect([...tried].sort()).toEqual(['C1:Upgrade #2: started', 'C2:elsewhere']);
    expect(slack.messages).toHaveLength(0);

    slack.up();
    clock.advance(60_000);
    expect(await w.drain()).toBe(4);
    const c1 = slack.messages.filter((m) => m.channel === 'C1');
    expect(c1.map((m) => m.text)).toEqual(['Upgrade #2: started', 'wave 1 of 2 started', 'Failure #4']);
    expect(c1[1]!.thread_ts).toBe(c1[0]!.ts);
    expect(c1[2]!.thread_ts).toBeUndefined();
    expect(await database.outbox.pending()).toBe(0);
  });
});

it('backs off exponentially, capped at a minute', () => {
  expect([0, 1, 2, 3].map(backoffMs)).toEqual([500, 1000, 2000, 4000]);
  expect(backoffMs(30)).toBe(60_000);
});

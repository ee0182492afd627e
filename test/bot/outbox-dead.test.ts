// The outbox never blocks a channel: a message the platform refuses for good goes dead after at
// most 3 tries with its error, the messages after it go on, the channel is told once; a dead
// message can be sent again. Retry-After holds for the channel whatever new content is queued.
// Real outbox (PGlite), real transports, fakes of Slack and Discord.
import { REST } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/open.js';
import { createDiscordTransport } from '../../src/adapters/discord/transport.js';
import { createSlackTransport, createSlackWebClient } from '../../src/adapters/slack/transport.js';
import type { OutgoingMessage, Platform } from '../../src/bot/model.js';
import { backoffMs, createOutboxWorker, NOTICE_KEY } from '../../src/bot/outbox-worker.js';
import type { ChatTransport } from '../../src/bot/ports.js';
import { createTestClock } from '../support/clock.js';
import { openTestDatabase } from '../support/db.js';
import { type FakeDiscord, startFakeDiscord } from '../support/fake-discord.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const CHANNEL = { slack: 'C1', discord: '5151' } as const;
const message = (platform: 'slack' | 'discord', key: string, summary: string): OutgoingMessage => ({
  platform,
  channel: CHANNEL[platform],
  key,
  threadOf: null,
  message: { summary, title: [{ bold: summary }], fields: [{ label: 'State', value: ['running'] }] },
});

describe('dead messages and per-channel backoff', () => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let database: Database;
  beforeAll(async () => {
    slack = await startFakeSlack();
    discord = await startFakeDiscord({ channels: [CHANNEL.discord] });
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
    await discord?.close();
  });

  const transports: Record<'slack' | 'discord', () => ChatTransport> = {
    slack: () => createSlackTransport(createSlackWebClient('xoxb-test', slack.apiUrl)),
    discord: () =>
      createDiscordTransport({
        rest: new REST({ api: discord.apiUrl, retries: 0, rejectOnRateLimit: () => true }).setToken('t'),
      }),
  };
  const posted = (platform: Platform): string[] =>
    platform === 'slack'
      ? slack.messages.map((m) => m.text)
      : discord.messages(CHANNEL.discord).map((m) => String(m.content || m.embeds[0]?.title));

  for (const platform of ['slack', 'discord'] as const) {
    it(`${platform}: a refused message goes dead after 3 tries, the next ones go on, the channel is told once`, async () => {
      const clock = createTestClock();
      const errors: string[] = [];
      const worker = createOutboxWorker({
        outbox: database.outbox,
        transport: transports[platform](),
        clock,
        owner: 'dead-test',
        onError: (error) => errors.push(String(error)),
      });
      const refuse = (n: number) =>
        platform === 'slack'
          ? slack.failNext(n, { error: 'invalid_blocks' })
          : discord.failNext(n, { status: 400 });
      const before = posted(platform).length;
      await database.outbox.enqueue([message(platform, 'failure:1', 'Failure #1')]);
      await database.outbox.enqueue([message(platform, 'upgrade:2', 'Upgrade #2')]);
      refuse(3);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await worker.runOnce();
        clock.advance(backoffMs(attempt));
      }
      expect(errors).toHaveLength(3);
      await worker.drain();
      const now = posted(platform).slice(before);
      expect(now).toEqual([
        'Upgrade #2',
        expect.stringMatching(
          /^a drover message could not be delivered: .+ — (\\`|`)drover outbox(\\`|`) lists it$/,
        ),
      ]);
      const [dead] = await database.outbox.list();
      expect(dead).toMatchObject({ key: 'failure:1', state: 'dead', attempts: 3 });
      expect(dead!.lastError).toMatch(platform === 'slack' ? /invalid_blocks/ : /HTTP 400/);
      expect(await database.outbox.pending(platform)).toBe(0);

      // A second dead message edits the notice: it is posted once.
      await database.outbox.enqueue([message(platform, 'failure:3', 'Failure #3')]);
      refuse(3);
      for (let attempt = 0; attempt < 4; attempt += 1) {
        await worker.drain();
        clock.advance(backoffMs(attempt));
      }
      const notices = posted(platform).filter((text) => text.startsWith('a drover message could not'));
      expect(notices).toHaveLength(1);
      expect((await database.outbox.list()).map((e) => [e.key, e.state])).toEqual([
        ['failure:1', 'dead'],
        ['failure:3', 'dead'],
      ]);

      // Sent again on request; an unknown or live id is refused.
      expect(await database.outbox.retry(dead!.id)).toBe('queued');
      expect(await database.outbox.retry(dead!.id)).toBe('not-dead');
      expect(await database.outbox.retry(999_999)).toBe('unknown');
      await worker.drain();
      expect(posted(platform)).toContain('Failure #1');
      expect(await database.outbox.ref(platform, CHANNEL[platform], NOTICE_KEY)).toBeDefined();
    });
  }

  it('under 429 Retry-After: 30 for 150 s, new content every second makes at most 6 calls', async () => {
    const clock = createTestClock();
    const worker = createOutboxWorker({
      outbox: database.outbox,
      transport: transports.slack(),
      clock,
      owner: 'rate-test',
    });
    await database.outbox.enqueue([message('slack', 'upgrade:1', 'Upgrade #1: 0 done')]);
    await worker.drain();
    const start = clock.now().getTime();
    // Slack answers 429 Retry-After: 30 to every call for the next 150 s (5 calls at most).
    slack.failNext(5, { status: 429, retryAfter: 30 });
    for (let second = 1; second <= 150; second += 1) {
      await database.outbox.enqueue([message('slack', 'upgrade:1', `Upgrade #1: ${second} done`)]);
      await worker.runOnce();
      clock.advance(1_000);
    }
    expect(clock.now().getTime() - start).toBe(150_000);
    const calls = slack.calls.filter((c) => c.method.startsWith('chat.') && c.body.channel === 'C1');
    expect(calls.length - 1).toBeLessThanOrEqual(6);
    // Once allowed, the newest content goes out in one edit.
    clock.advance(30_000);
    await worker.drain();
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({ text: 'Upgrade #1: 150 done', edits: 1 });
  });
});

// The Discord ChatTransport against the fake's REST API: posts, edits in place, threads for
// the upgrade message and failure posts, replies inside them, mentions that ping only the
// people named, and rate limits turned into retryable errors.
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordTransport } from '../../../src/adapters/discord/transport.js';
import type { ChatMessage, OutgoingMessage } from '../../../src/bot/model.js';
import { TransportError } from '../../../src/bot/ports.js';
import { type FakeDiscord, startFakeDiscord } from '../../support/fake-discord.js';

const CHANNEL = '1122334455667788';
const ALICE = { name: 'Alice', email: 'alice@example.com', discord: '5566778899' };

const item = (key: string, message: ChatMessage, threadOf: string | null = null): OutgoingMessage => ({
  platform: 'discord',
  channel: CHANNEL,
  key,
  threadOf,
  message,
});

describe('the Discord transport', () => {
  let discord: FakeDiscord;
  let transport: ReturnType<typeof createDiscordTransport>;
  beforeAll(async () => {
    discord = await startFakeDiscord({ channels: [CHANNEL] });
    const rest = new REST({ api: discord.apiUrl, retries: 0, rejectOnRateLimit: () => true }).setToken('t');
    transport = createDiscordTransport({ rest });
  });
  afterAll(async () => {
    await discord?.close();
  });
  const fresh = () =>
    createDiscordTransport({
      rest: new REST({ api: discord.apiUrl, retries: 0, rejectOnRateLimit: () => true }).setToken('t'),
    });

  it('posts the upgrade message with a thread, edits it in place, and replies in its thread', async () => {
    const first: ChatMessage = {
      summary: 'Upgrade #1 lab → havana: running',
      title: [{ bold: 'Upgrade #1: lab → havana' }],
      fields: [{ label: 'State', value: ['running'] }],
      progress: { done: 1, failed: 0, pending: 3, total: 4 },
      tone: 'info',
    };
    const ref = await transport.deliver(item('upgrade:1', first), undefined, undefined);
    expect(ref.threadRef).toBe(ref.ref);
    const posted = discord.messages(CHANNEL).find((m) => m.id === ref.ref)!;
    expect(posted.embeds[0]).toMatchObject({ title: 'Upgrade #1: lab → havana' });
    expect(String(posted.embeds[0]!.description)).toContain('1/4 done');

    const again = await transport.deliver(
      item('upgrade:1', { ...first, progress: { done: 4, failed: 0, pending: 0, total: 4 }, tone: 'good' }),
      ref,
      undefined,
    );
    expect(again).toEqual(ref);
    expect(posted.edits).toBe(1);
    expect(String(posted.embeds[0]!.description)).toContain('4/4 done');
    expect(discord.messages(CHANNEL)).toHaveLength(1);

    const reply = await transport.deliver(
      item('upgrade:1:event:9', { summary: 'wave 1 of 2 finished' }, 'upgrade:1'),
      undefined,
      ref,
    );
    expect(discord.messages(ref.threadRef!).map((m) => m.content)).toEqual(['wave 1 of 2 finished']);
    expect(reply.threadRef).toBeNull();
  });

  it('mentions the author of a failure in the content (pinging only them) and carries its buttons', async () => {
    const failure: ChatMessage = {
      summary: 'Failure #4: nova-compute health failed on cmp-01',
      title: [{ bold: 'Failure #4' }],
      fields: [
        { label: 'Offending commit', value: [{ code: 'abc1234' }, ' breaks it — by ', { mention: ALICE }] },
      ],
      code: '@everyone look at this',
      buttons: [
        { action: 'ack', label: 'Acknowledge', value: 'failure:4', style: 'primary' },
        { action: 'retry', label: 'Retry node', value: '1:cmp-01' },
      ],
      tone: 'danger',
    };
    const ref = await transport.deliver(item('failure:4', failure), undefined, undefined);
    const posted = discord.messages(CHANNEL).find((m) => m.id === ref.ref)!;
    expect(posted.content).toBe('<@5566778899>');
    const body = discord.requests
      .filter((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`)
      .at(-1)!.body as {
      allowed_mentions: unknown;
    };
    expect(body.allowed_mentions).toEqual({ parse: [], users: ['5566778899'] });
    expect(JSON.stringify(posted.embeds[0]!.fields)).toContain('<@5566778899>');
    expect(posted.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'Acknowledge', custom_id: 'drover:ack:failure:4' },
          { type: 2, style: 2, label: 'Retry node', custom_id: 'drover:retry:1:cmp-01' },
        ],
      },
    ]);
    expect(discord.channel(ref.ref)).toMatchObject({ type: 11, parent_id: CHANNEL });
  });

  it('turns an outage and a rate limit into TransportErrors (with the wait) and posts nothing then', async () => {
    const before = discord.messages(CHANNEL).length;
    const digest = item('digest:lab:1', { summary: 'digest' });
    discord.failNext(1, { status: 503 });
    const outage = await transport.deliver(digest, undefined, undefined).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(TransportError);
    expect((outage as TransportError).retryAfterMs).toBeUndefined();
    expect(discord.messages(CHANNEL)).toHaveLength(before);
    await transport.deliver(digest, undefined, undefined);
    expect(discord.messages(CHANNEL)).toHaveLength(before + 1);

    discord.failNext(1, { status: 429, retryAfter: 2 });
    const limited = await transport
      .deliver(item('digest:lab:2', { summary: 'digest' }), undefined, undefined)
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(TransportError);
    expect((limited as TransportError).retryAfterMs).toBeGreaterThanOrEqual(2000);
    expect((limited as TransportError).retryAfterMs).toBeLessThan(3000);
    expect((limited as TransportError).permanent).toBe(false);
    expect(discord.messages(CHANNEL)).toHaveLength(before + 1);
  });

  it('a post repeated after its outcome was lost returns the first one (nonce with enforce_nonce)', async () => {
    const before = discord.messages(CHANNEL).length;
    // A client of its own: the one above is still waiting out its rate limit.
    const transport = fresh();
    const post = item('failure:9', { summary: 'Failure #9', title: [{ bold: 'Failure #9' }] });
    const first = await transport.deliver(post, undefined, undefined);
    const again = await transport.deliver(post, undefined, undefined, { unsure: true });
    expect(again.ref).toBe(first.ref);
    expect(discord.messages(CHANNEL)).toHaveLength(before + 1);
  });

  it("a 4xx other than 429 is the message's fault: permanent, with Discord's code", async () => {
    const transport = fresh();
    discord.failNext(1, { status: 400 });
    const refused = await transport
      .deliver(item('digest:lab:3', { summary: 'digest' }), undefined, undefined)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransportError);
    expect((refused as TransportError).permanent).toBe(true);
    expect((refused as TransportError).code).toMatch(/^Discord /);
  });
});

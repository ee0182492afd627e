import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/db/open.js';
import type { OutgoingMessage } from '../../../src/bot/model.js';
import type { MessageRef } from '../../../src/bot/ports.js';
import { backends, openTestDatabase } from '../../support/db.js';

const msg = (
  channel: string,
  key: string,
  summary: string,
  threadOf: string | null = null,
): OutgoingMessage => ({
  platform: 'slack',
  channel,
  key,
  threadOf,
  message: { summary },
});
const ref = (channel: string, key: string, value: string, threadRef: string | null = null): MessageRef => ({
  platform: 'slack',
  channel,
  key,
  ref: value,
  threadRef,
});

const TTL = 120_000;

describe.each(backends())('outbox on %s', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('per-channel order, newest content per key, retry later, refs for edits and threads, cursor moved with the enqueue', async () => {
    const { outbox } = database;
    const now = new Date();
    const take = (at: Date) => outbox.claim('slack', 'w1', at, 10, TTL);
    await outbox.enqueueFromEvents('slack', 7, [
      msg('C1', 'upgrade:1', 'v1'),
      msg('C1', 'upgrade:1', 'v2'),
      msg('C1', 'upgrade:1:event:1', 'wave 1', 'upgrade:1'),
      msg('C2', 'failure:1', 'boom'),
    ]);
    expect(await outbox.cursor('slack')).toBe(7);
    expect(await outbox.cursor('discord')).toBe(0);
    const first = await take(now);
    expect(first.map((d) => [d.channel, d.message.summary])).toEqual([
      ['C1', 'v2'],
      ['C2', 'boom'],
    ]);
    await outbox.retryLater(first[0]!.id, new Date(now.getTime() + 60_000), 'ratelimited');
    // C1 is not due again yet, and C2's delivery is under way.
    expect(await take(now)).toEqual([]);
    await outbox.delivered(first[1]!.id, ref('C2', 'failure:1', '222.2', 'T9'));
    const later = new Date(now.getTime() + 61_000);
    const again = await take(later);
    expect(again.map((d) => [d.key, d.attempts])).toEqual([['upgrade:1', 1]]);
    await outbox.delivered(again[0]!.id, ref('C1', 'upgrade:1', '111.1'));
    const next = await take(later);
    expect(next.map((d) => d.key)).toEqual(['upgrade:1:event:1']);
    expect(await outbox.ref('slack', 'C1', 'upgrade:1')).toMatchObject({ ref: '111.1' });
    expect(await outbox.byRef('slack', 'C2', 'T9')).toMatchObject({ key: 'failure:1' });
    expect(await outbox.byRef('slack', 'C2', '222.2')).toMatchObject({ key: 'failure:1' });
    expect(await outbox.byRef('slack', 'C2', 'nope')).toBeUndefined();
    // An edit keeps the thread the first delivery opened.
    await outbox.enqueue([msg('C2', 'failure:1', 'boom, acked')]);
    const edit = await take(later);
    expect(edit.map((d) => d.message.summary)).toEqual(['boom, acked']);
    await outbox.delivered(edit[0]!.id, ref('C2', 'failure:1', '222.2'));
    expect(await outbox.ref('slack', 'C2', 'failure:1')).toMatchObject({ ref: '222.2', threadRef: 'T9' });
    expect(await outbox.pending('slack')).toBe(1);
    expect(await outbox.pending()).toBe(1);
  });

  it('newer content of a queued key keeps its place ahead of the replies queued after it', async () => {
    const { outbox } = database;
    const now = new Date();
    await outbox.enqueue([msg('C3', 'upgrade:2', 'started')]);
    await outbox.enqueue([msg('C3', 'upgrade:2:w0', 'wave 0', 'upgrade:2')]);
    await outbox.enqueue([msg('C3', 'upgrade:2', 'running')]);
    const [head] = (await outbox.claim('slack', 'w1', now, 10, TTL)).filter((i) => i.channel === 'C3');
    expect(head).toMatchObject({ key: 'upgrade:2', message: { summary: 'running' } });
    expect(await outbox.pending('slack')).toBe(3);
  });

  it('content that changed while its first version was being delivered follows as an edit', async () => {
    const { outbox } = database;
    const now = new Date();
    await outbox.enqueue([msg('C4', 'upgrade:3', 'first')]);
    const inC4 = async (owner: string) =>
      (await outbox.claim('slack', owner, now, 50, TTL)).filter((i) => i.channel === 'C4');
    const [inFlight] = await inC4('w1');
    await outbox.enqueue([msg('C4', 'upgrade:3', 'second')]);
    // Not even another process posts the new content while the first is on its way.
    expect(await inC4('w2')).toEqual([]);
    await outbox.delivered(inFlight!.id, ref('C4', 'upgrade:3', '333.3'));
    const [followUp] = await inC4('w2');
    expect(followUp).toMatchObject({ key: 'upgrade:3', message: { summary: 'second' } });
  });

  it('a long queue in one channel does not hide the other channels', async () => {
    const { outbox } = database;
    const now = new Date();
    await outbox.enqueue(Array.from({ length: 300 }, (_, i) => msg('BUSY', `k${i}`, `m${i}`)));
    await outbox.enqueue([msg('QUIET', 'q', 'hello')]);
    const due = await outbox.claim('slack', 'w1', now, 50, TTL);
    expect(due.filter((d) => d.channel === 'BUSY').map((d) => d.key)).toEqual(['k0']);
    expect(due.some((d) => d.channel === 'QUIET')).toBe(true);
    expect(await outbox.claim('discord', 'w1', now, 50, TTL)).toEqual([]);
  });

  it('processes claiming at once take each message once; a claim whose owner died expires', async () => {
    const { outbox } = database;
    const now = new Date();
    const race = (channel: string) => msg(channel, 'k', channel);
    for (let round = 0; round < 5; round += 1) {
      const channels = Array.from({ length: 12 }, (_, i) => `RACE${round}-${i}`);
      await outbox.enqueue(channels.map(race));
      const takers = ['p1', 'p2', 'p3'].map((owner) => outbox.claim('slack', owner, now, 100, TTL));
      const taken = (await Promise.all(takers))
        .flat()
        .filter((item) => item.channel.startsWith(`RACE${round}-`));
      expect(taken.map((item) => item.channel).sort()).toEqual([...channels].sort());
    }
    const expired = new Date(now.getTime() + TTL + 1);
    const retaken = (await outbox.claim('slack', 'p4', expired, 500, TTL)).filter((item) =>
      item.channel.startsWith('RACE0-'),
    );
    expect(retaken).toHaveLength(12);
  });
});

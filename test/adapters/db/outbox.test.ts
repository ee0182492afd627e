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
    await outbox.enqueueFromEvents('slack', 7, [
      msg('C1', 'upgrade:1', 'v1'),
      msg('C1', 'upgrade:1', 'v2'),
      msg('C1', 'upgrade:1:event:1', 'wave 1', 'upgrade:1'),
      msg('C2', 'failure:1', 'boom'),
    ]);
    expect(await outbox.cursor('slack')).toBe(7);
    expect(await outbox.cursor('discord')).toBe(0);
    const due = await outbox.due('slack', now, 10);
    expect(due.map((d) => [d.channel, d.message.summary])).toEqual([
      ['C1', 'v2'],
      ['C2', 'boom'],
    ]);
    await outbox.retryLater(due[0]!.id, new Date(now.getTime() + 60_000), 'ratelimited');
    expect((await outbox.due('slack', now, 10)).map((d) => d.channel)).toEqual(['C2']);
    const later = new Date(now.getTime() + 61_000);
    const again = await outbox.due('slack', later, 10);
    expect(again[0]).toMatchObject({ key: 'upgrade:1', attempts: 1 });
    await outbox.delivered(again[0]!.id, ref('C1', 'upgrade:1', '111.1'));
    const next = await outbox.due('slack', later, 10);
    expect(next.map((d) => d.key)).toEqual(['upgrade:1:event:1', 'failure:1']);
    expect(await outbox.ref('slack', 'C1', 'upgrade:1')).toMatchObject({ ref: '111.1' });
    await outbox.delivered(next[1]!.id, ref('C2', 'failure:1', '222.2', 'T9'));
    expect(await outbox.byRef('slack', 'C2', 'T9')).toMatchObject({ key: 'failure:1' });
    expect(await outbox.byRef('slack', 'C2', '222.2')).toMatchObject({ key: 'failure:1' });
    expect(await outbox.byRef('slack', 'C2', 'nope')).toBeUndefined();
    // An edit keeps the thread the first delivery opened.
    await outbox.enqueue([msg('C2', 'failure:1', 'boom, acked')]);
    const edit = await outbox.due('slack', later, 10);
    expect(edit.map((d) => d.message.summary)).toEqual(['wave 1', 'boom, acked']);
    await outbox.delivered(edit[1]!.id, ref('C2', 'failure:1', '222.2'));
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
    const [head] = await outbox.due('slack', now, 10).then((d) => d.filter((i) => i.channel === 'C3'));
    expect(head).toMatchObject({ key: 'upgrade:2', message: { summary: 'running' } });
    expect(await outbox.pending('slack')).toBe(3);
  });

  it('content that changed while its first version was being delivered follows as an edit', async () => {
    const { outbox } = database;
    const now = new Date();
    await outbox.enqueue([msg('C4', 'upgrade:3', 'first')]);
    const [inFlight] = (await outbox.due('slack', now, 50)).filter((i) => i.channel === 'C4');
    await outbox.enqueue([msg('C4', 'upgrade:3', 'second')]);
    await outbox.delivered(inFlight!.id, ref('C4', 'upgrade:3', '333.3'));
    const [followUp] = (await outbox.due('slack', now, 50)).filter((i) => i.channel === 'C4');
    expect(followUp).toMatchObject({ key: 'upgrade:3', message: { summary: 'second' } });
  });

  it('a long queue in one channel does not hide the other channels', async () => {
    const { outbox } = database;
    const now = new Date();
    await outbox.enqueue(Array.from({ length: 300 }, (_, i) => msg('BUSY', `k${i}`, `m${i}`)));
    await outbox.enqueue([msg('QUIET', 'q', 'hello')]);
    const due = await outbox.due('slack', now, 50);
    expect(due.filter((d) => d.channel === 'BUSY').map((d) => d.key)).toEqual(['k0']);
    expect(due.some((d) => d.channel === 'QUIET')).toBe(true);
    expect(await outbox.due('discord', now, 50)).toEqual([]);
  });
});

// The durable outbox of chat messages. Newer content of an undelivered key replaces it (the
// newest content wins, no flood of edits) and takes its place in the channel's queue, so a
// thread parent is never queued behind its own replies; delivery is in order per channel.
// The replaced row is marked superseded rather than edited, so a delivery already in flight
// with the old content is followed by an edit carrying the new one. Deliveries are claimed
// (owner, until) and heartbeated: any number of drover processes may deliver, each message is
// posted once. Newer content inherits the replaced row's tries, due time and doubt, so a
// Retry-After or a backoff holds whatever is queued meanwhile; dead rows (refused for good)
// leave their channel's queue (src/adapters/db/outbox-dead.ts).
import { and, count, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { OutgoingMessage, Platform } from '../../bot/model.js';
import type { MessageRef, Outbox, OutboxItem } from '../../bot/ports.js';
import type { Db, Queryable } from './db.js';
import { rowsOf } from './db.js';
import { extendClaims, listOutbox, markDead, retryDead } from './outbox-dead.js';
import { consumerCursors, messageRefs, outbox } from './schema.js';

/** A time as a raw query parameter: postgres.js takes no Date there, PGlite does; both take this. */
const timestamp = (at: Date) => sql`${at.toISOString()}::timestamptz`;

const keyOf = (item: { platform: string; channel: string; key: string }) =>
  `${item.platform}\u0000${item.channel}\u0000${item.key}`;

interface Replaced {
  platform: string;
  channel: string;
  key: string;
  position: string | number;
  attempts: string | number;
  next_attempt_at: string | Date;
  unsure: boolean;
}

export async function insertItems(tx: Queryable, batch: OutgoingMessage[]): Promise<void> {
  // Within a batch, a key keeps its first place and its last content.
  const byKey = new Map<string, OutgoingMessage>();
  for (const item of batch) {
    const id = keyOf(item);
    const first = byKey.get(id);
    byKey.set(id, first ? { ...first, threadOf: item.threadOf, message: item.message } : item);
  }
  if (byKey.size === 0) return;
  const items = [...byKey.values()];
  const keys = JSON.stringify(items.map(({ platform, channel, key }) => ({ platform, channel, key })));
  // A row being delivered right now is replaced too (unsure: its post may land).
  const replaced = rowsOf<Replaced>(
    await tx.execute(sql`
      update outbox o set superseded = true
      from jsonb_to_recordset(${keys}::jsonb) as k(platform text, channel text, key text)
      where o.platform = k.platform and o.channel = k.channel and o.key = k.key
        and o.delivered_at is null and not o.superseded and o.dead_at is null
      returning o.platform, o.channel, o.key, coalesce(o.position, o.id) as position, o.attempts,
        o.next_attempt_at, (o.unsure or o.claimed_by is not null) as unsure`),
  );
  const places = new Map(replaced.map((row) => [keyOf(row), row]));
  await tx.insert(outbox).values(
    items.map((item) => {
      const old = places.get(keyOf(item));
      // New keys are due at once, whatever the clocks of the database and the worker say.
      return {
        ...item,
        nextAttemptAt: old ? new Date(old.next_attempt_at) : new Date(0),
        position: old ? Number(old.position) : null,
        attempts: old ? Number(old.attempts) : 0,
        unsure: old?.unsure ?? false,
      };
    }),
  );
}

export function createOutbox(db: Db): Outbox {
  return {
    async enqueueFromEvents(consumer, cursor, items) {
      await db.transaction(async (tx) => {
        await insertItems(tx, items);
        await tx
          .insert(consumerCursors)
          .values({ name: consumer, cursor })
          .onConflictDoUpdate({ target: consumerCursors.name, set: { cursor } });
      });
    },

    async enqueue(items) {
      await db.transaction((tx) => insertItems(tx, items));
    },

    async cursor(consumer) {
      const [row] = await db.select().from(consumerCursors).where(eq(consumerCursors.name, consumer));
      return row?.cursor ?? 0;
    },

    async claim(platform, owner, now, limit, ttlMs) {
      // Heads of the channels' queues that are due, in channels with no delivery under way (a
      // superseded row still being delivered counts); the row re-check under the row lock
      // makes two claimers racing for one head get it once.
      const claimed = rowsOf<{ id: number | string }>(
        await db.execute(sql`
          update outbox o set claimed_by = ${owner}, claimed_until = ${timestamp(new Date(now.getTime() + ttlMs))},
            unsure = o.unsure or o.claimed_by is not null
          where o.id in (
            select h.id from (
              select distinct on (channel) id, channel, next_attempt_at, coalesce(position, id) as place
              from outbox
              where platform = ${platform} and delivered_at is null and not superseded and dead_at is null
              order by channel, coalesce(position, id), id
            ) h
            where h.next_attempt_at <= ${timestamp(now)}
              and not exists (
                select 1 from outbox busy
                where busy.platform = ${platform} and busy.channel = h.channel
                  and busy.delivered_at is null and busy.claimed_until > ${timestamp(now)}
              )
            order by h.place, h.id
            limit ${limit}
          )
          and o.delivered_at is null and not o.superseded and o.dead_at is null
          and (o.claimed_until is null or o.claimed_until <= ${timestamp(now)})
          returning o.id`),
      );
      if (claimed.length === 0) return [];
      const rows = await db
        .select()
        .from(outbox)
        .where(
          inArray(
            outbox.id,
            claimed.map((row) => Number(row.id)),
          ),
        );
      rows.sort((x, y) => (x.position ?? x.id) - (y.position ?? y.id) || x.id - y.id);
      return rows.map(
        ({
          superseded,
          position,
          lastError,
          deliveredAt,
          claimedBy,
          claimedUntil,
          deadAt,
          ...row
        }): OutboxItem => ({
          ...row,
          platform: row.platform as Platform,
        }),
      );
    },

    async delivered(id, ref) {
      await db.transaction(async (tx) => {
        await tx
          .update(outbox)
          .set({
            deliveredAt: new Date(),
            lastError: null,
            claimedBy: null,
            claimedUntil: null,
            unsure: false,
          })
          .where(eq(outbox.id, id));
        await tx
          .insert(messageRefs)
          .values(ref)
          .onConflictDoUpdate({
            target: [messageRefs.platform, messageRefs.channel, messageRefs.key],
            set: {
              ref: sql`excluded.ref`,
              threadRef: sql`coalesce(excluded.thread_ref, ${messageRefs.threadRef})`,
            },
          });
      });
    },

    async extend(owner, until) {
      await extendClaims(db, owner, until);
    },

    async retryLater(id, nextAttemptAt, error, unsure = false) {
      await db
        .update(outbox)
        .set({
          attempts: sql`${outbox.attempts} + 1`,
          nextAttemptAt,
          lastError: error,
          claimedBy: null,
          claimedUntil: null,
          unsure: sql`${outbox.unsure} or ${unsure}`,
        })
        .where(eq(outbox.id, id));
      // Newer content queued while this try was in flight waits as long (the wait is the channel's).
      await db.execute(sql`
        update outbox n set next_attempt_at = greatest(n.next_attempt_at, o.next_attempt_at),
          attempts = greatest(n.attempts, o.attempts), unsure = n.unsure or o.unsure
        from outbox o
        where o.id = ${id} and n.platform = o.platform and n.channel = o.channel and n.key = o.key
          and n.id <> o.id and n.delivered_at is null and not n.superseded and n.dead_at is null`);
    },

    async dead(id, error, now, notice) {
      await markDead(db, id, error, now, notice, insertItems);
    },

    async isDead(platform, channel, key) {
      const [row] = await db
        .select({ deadAt: outbox.deadAt })
        .from(outbox)
        .where(and(eq(outbox.platform, platform), eq(outbox.channel, channel), eq(outbox.key, key)))
        .orderBy(desc(outbox.id))
        .limit(1);
      return Boolean(row?.deadAt);
    },

    list: () => listOutbox(db),

    retry: (id) => retryDead(db, id),

    async ref(platform, channel, key) {
      const [row] = await db
        .select()
        .from(messageRefs)
        .where(
          and(eq(messageRefs.platform, platform), eq(messageRefs.channel, channel), eq(messageRefs.key, key)),
        );
      return row ? toRef(row) : undefined;
    },

    async byRef(platform, channel, ref) {
      const [row] = await db
        .select()
        .from(messageRefs)
        .where(
          and(
            eq(messageRefs.platform, platform),
            eq(messageRefs.channel, channel),
            or(eq(messageRefs.ref, ref), eq(messageRefs.threadRef, ref)),
          ),
        );
      return row ? toRef(row) : undefined;
    },

    async pending(platform) {
      const undelivered = and(
        isNull(outbox.deliveredAt),
        eq(outbox.superseded, false),
        isNull(outbox.deadAt),
      );
      const [row] = await db
        .select({ n: count() })
        .from(outbox)
        .where(platform ? and(undelivered, eq(outbox.platform, platform)) : undelivered);
      return row?.n ?? 0;
    },
  };
}

function toRef(row: typeof messageRefs.$inferSelect): MessageRef {
  return { ...row, platform: row.platform as Platform };
}

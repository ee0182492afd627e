// The durable outbox of chat messages. An undelivered message is replaced by a newer one of
// the same key (the newest content wins, no flood of edits); delivery is in order per channel.
import { and, asc, count, eq, isNull, or, sql } from 'drizzle-orm';
import type { OutgoingMessage, Platform } from '../../bot/model.js';
import type { MessageRef, Outbox, OutboxItem } from '../../bot/ports.js';
import type { Db, Queryable } from './db.js';
import { consumerCursors, messageRefs, outbox } from './schema.js';

async function insertItems(tx: Queryable, batch: OutgoingMessage[]): Promise<void> {
  // Within a batch, a key keeps its first place (a thread parent stays before its replies)
  // and its last content.
  const byKey = new Map<string, OutgoingMessage>();
  for (const item of batch) {
    const id = `${item.platform}\u0000${item.channel}\u0000${item.key}`;
    byKey.set(id, byKey.has(id) ? { ...byKey.get(id)!, message: item.message } : item);
  }
  const items = [...byKey.values()];
  for (const item of items) {
    await tx
      .update(outbox)
      .set({ superseded: true })
      .where(
        and(
          eq(outbox.platform, item.platform),
          eq(outbox.channel, item.channel),
          eq(outbox.key, item.key),
          isNull(outbox.deliveredAt),
          eq(outbox.superseded, false),
        ),
      );
  }
  // Due at once, whatever the clocks of the database and of the worker say.
  if (items.length > 0)
    await tx.insert(outbox).values(items.map((item) => ({ ...item, nextAttemptAt: new Date(0) })));
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

    async due(platform, now, limit) {
      const rows = await db
        .select()
        .from(outbox)
        .where(and(eq(outbox.platform, platform), isNull(outbox.deliveredAt), eq(outbox.superseded, false)))
        .orderBy(asc(outbox.id))
        .limit(Math.max(limit * 4, 200));
      const blocked = new Set<string>();
      const picked: OutboxItem[] = [];
      for (const row of rows) {
        if (blocked.has(row.channel)) continue;
        if (row.nextAttemptAt > now) {
          blocked.add(row.channel);
          continue;
        }
        picked.push({ ...row, platform: row.platform as Platform });
        blocked.add(row.channel);
        if (picked.length >= limit) break;
      }
      return picked;
    },

    async delivered(id, ref) {
      await db.transaction(async (tx) => {
        await tx.update(outbox).set({ deliveredAt: new Date(), lastError: null }).where(eq(outbox.id, id));
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

    async retryLater(id, nextAttemptAt, error) {
      await db
        .update(outbox)
        .set({ attempts: sql`${outbox.attempts} + 1`, nextAttemptAt, lastError: error })
        .where(eq(outbox.id, id));
    },

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
      const undelivered = and(isNull(outbox.deliveredAt), eq(outbox.superseded, false));
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

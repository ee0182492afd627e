// The outbox's other end: messages a platform refused for good go `dead` (out of their channel's
// queue, so the messages after them go on) with one plain notice to the channel; operators list
// pending and dead messages and send a dead one again (`drover outbox`, `drover outbox retry`).
import { and, asc, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { OutgoingMessage, Platform } from '../../bot/model.js';
import type { OutboxEntry, RetryOutcome } from '../../bot/ports.js';
import type { Db, Queryable } from './db.js';
import { outbox } from './schema.js';

/** Marks the item dead with its error, and queues the notice (if any) in the same transaction. */
export async function markDead(
  db: Db,
  id: number,
  error: string,
  now: Date,
  notice: OutgoingMessage | undefined,
  insertItems: (tx: Queryable, items: OutgoingMessage[]) => Promise<void>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(outbox)
      .set({
        deadAt: now,
        lastError: error,
        attempts: sql`${outbox.attempts} + 1`,
        claimedBy: null,
        claimedUntil: null,
      })
      .where(eq(outbox.id, id));
    if (notice) await insertItems(tx, [notice]);
  });
}

/** Pending (not delivered, newest content of their key) and dead messages, oldest first. */
export async function listOutbox(db: Db): Promise<OutboxEntry[]> {
  const rows = await db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.deliveredAt), or(eq(outbox.superseded, false), isNotNull(outbox.deadAt))))
    .orderBy(asc(outbox.id));
  return rows.map(
    (row): OutboxEntry => ({
      id: row.id,
      platform: row.platform as Platform,
      channel: row.channel,
      key: row.key,
      state: row.deadAt ? 'dead' : 'pending',
      attempts: row.attempts,
      nextAttemptAt: row.nextAttemptAt,
      lastError: row.lastError,
      createdAt: row.createdAt,
      deadAt: row.deadAt,
      summary: row.message.summary,
    }),
  );
}

/**
 * Puts a dead message back at its place in its channel's queue, due now. Refused when a newer
 * version of its key was queued or delivered since: sending the old content would undo it.
 */
export async function retryDead(db: Db, id: number): Promise<RetryOutcome> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(outbox).where(eq(outbox.id, id)).for('update');
    if (!row) return 'unknown';
    if (!row.deadAt) return 'not-dead';
    const [newer] = await tx
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.platform, row.platform),
          eq(outbox.channel, row.channel),
          eq(outbox.key, row.key),
          gt(outbox.id, row.id),
        ),
      )
      .limit(1);
    if (newer) return 'superseded';
    await tx
      .update(outbox)
      .set({ deadAt: null, superseded: false, attempts: 0, nextAttemptAt: new Date(0), lastError: null })
      .where(eq(outbox.id, id));
    return 'queued';
  });
}

/** Heartbeat: the owner's claims on undelivered items last until `until`. */
export async function extendClaims(db: Db, owner: string, until: Date): Promise<void> {
  await db
    .update(outbox)
    .set({ claimedUntil: until })
    .where(and(eq(outbox.claimedBy, owner), isNull(outbox.deliveredAt), isNull(outbox.deadAt)));
}

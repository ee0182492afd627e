// Claims that must hold across processes: an incoming chat event or webhook delivery is handled
// once, and a scheduled digest is posted once (a claim left by a process that died goes stale).
// The ids of events and deliveries are kept only as long as a retry or a replay could still
// arrive: `forget` drops older ones (serve's maintenance loop calls it).
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Dedup, DigestRuns } from '../../bot/ports.js';
import type { Db } from './db.js';
import { digestRuns, processedEvents } from './schema.js';

export function createDedup(db: Db): Dedup {
  return {
    async firstSeen(platform, eventId, now) {
      const rows = await db
        .insert(processedEvents)
        .values({ platform, eventId, seenAt: now })
        .onConflictDoNothing()
        .returning({ id: processedEvents.eventId });
      return rows.length > 0;
    },

    async forget(before) {
      const rows = await db
        .delete(processedEvents)
        .where(lt(processedEvents.seenAt, before))
        .returning({ id: processedEvents.eventId });
      return rows.length;
    },
  };
}

export function createDigestRuns(db: Db): DigestRuns {
  return {
    async claim(environment, scheduledAt, owner, now, staleMs) {
      const inserted = await db
        .insert(digestRuns)
        .values({ environment, scheduledAt, claimedBy: owner, claimedAt: now })
        .onConflictDoNothing()
        .returning({ owner: digestRuns.claimedBy });
      if (inserted.length > 0) return true;
      const staleBefore = new Date(now.getTime() - staleMs);
      const taken = await db
        .update(digestRuns)
        .set({ claimedBy: owner, claimedAt: now })
        .where(
          and(
            eq(digestRuns.environment, environment),
            eq(digestRuns.scheduledAt, scheduledAt),
            isNull(digestRuns.finishedAt),
            lt(digestRuns.claimedAt, staleBefore),
          ),
        )
        .returning({ owner: digestRuns.claimedBy });
      return taken.length > 0;
    },

    async finish(environment, scheduledAt, now) {
      await db
        .update(digestRuns)
        .set({ finishedAt: now })
        .where(and(eq(digestRuns.environment, environment), eq(digestRuns.scheduledAt, scheduledAt)));
    },

    async last(environment) {
      const [row] = await db
        .select()
        .from(digestRuns)
        .where(and(eq(digestRuns.environment, environment), sql`${digestRuns.finishedAt} is not null`))
        .orderBy(sql`${digestRuns.scheduledAt} desc`)
        .limit(1);
      return row?.finishedAt ? { scheduledAt: row.scheduledAt, finishedAt: row.finishedAt } : undefined;
    },
  };
}

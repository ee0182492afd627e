// What GET /metrics reads from the database at each scrape: upgrades by state, and the
// outbox's pending messages (count and oldest age, per platform) and its dead ones (count per
// platform, as `drover outbox` lists them).
import { and, count, isNotNull, isNull, min, not, sql } from 'drizzle-orm';
import type { StoredCounts } from '../metrics/metrics.js';
import type { Db } from './db.js';
import { outbox, upgrades } from './schema.js';

export function createStoredCounts(db: Db): StoredCounts {
  return {
    async upgradesByState() {
      return db.select({ state: upgrades.state, count: count() }).from(upgrades).groupBy(upgrades.state);
    },
    async outbox(now) {
      const [pending, dead] = await Promise.all([
        db
          .select({ platform: outbox.platform, count: count(), oldest: min(outbox.createdAt) })
          .from(outbox)
          .where(and(isNull(outbox.deliveredAt), not(outbox.superseded), isNull(outbox.deadAt)))
          .groupBy(outbox.platform),
        // A dead message stays dead (and listed) until `drover outbox retry`, even once newer
        // content of its key was queued.
        db
          .select({ platform: outbox.platform, count: count() })
          .from(outbox)
          .where(and(isNull(outbox.deliveredAt), isNotNull(outbox.deadAt)))
          .groupBy(outbox.platform),
      ]);
      return {
        pending: pending.map((row) => ({
          platform: row.platform,
          count: row.count,
          oldestAgeSeconds: row.oldest ? Math.max(0, (now.getTime() - row.oldest.getTime()) / 1000) : 0,
        })),
        dead: dead.map((row) => ({ platform: row.platform, count: row.count })),
      };
    },
  };
}

/** The readiness probe: one trivial query (the caller bounds its time). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

// The driving lease of an upgrade: one process at a time drives it. A lease is free when
// nobody holds it, when it expired (expiry at or before `now`), or when its holder is known dead.
// Taking it from another holder (or after it lapsed) bumps its epoch: the holder's commits name
// the epoch they hold (store-commit.ts), so a driver that lost its lease writes nothing.
import { and, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Queryable } from './db.js';
import { upgrades } from './schema.js';

/** The lease's epoch when `owner` holds it now, else undefined. */
export async function acquireLease(
  db: Queryable,
  upgradeId: number,
  owner: string,
  ttlMs: number,
  now: Date,
  replacing?: string,
): Promise<number | undefined> {
  const kept = and(eq(upgrades.leaseOwner, owner), gt(upgrades.leaseExpiresAt, now));
  const rows = await db
    .update(upgrades)
    .set({
      leaseOwner: owner,
      leaseExpiresAt: new Date(now.getTime() + ttlMs),
      leaseEpoch: sql`case when ${kept} then ${upgrades.leaseEpoch} else ${upgrades.leaseEpoch} + 1 end`,
    })
    .where(
      and(
        eq(upgrades.id, upgradeId),
        or(
          isNull(upgrades.leaseOwner),
          eq(upgrades.leaseOwner, owner),
          lte(upgrades.leaseExpiresAt, now),
          ...(replacing ? [eq(upgrades.leaseOwner, replacing)] : []),
        ),
      ),
    )
    .returning({ epoch: upgrades.leaseEpoch });
  return rows[0]?.epoch;
}

export async function releaseLease(db: Queryable, upgradeId: number, owner: string): Promise<void> {
  await db
    .update(upgrades)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(upgrades.id, upgradeId), eq(upgrades.leaseOwner, owner)));
}

export async function leaseHolder(db: Queryable, upgradeId: number, now: Date): Promise<string | undefined> {
  const [row] = await db
    .select({ owner: upgrades.leaseOwner, until: upgrades.leaseExpiresAt })
    .from(upgrades)
    .where(eq(upgrades.id, upgradeId));
  return row?.owner && row.until && row.until > now ? row.owner : undefined;
}

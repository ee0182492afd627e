// Environment locks: one row per locked environment; taking one is an insert that loses to
// an existing row, so two operators locking at once cannot both win.
import { and, eq } from 'drizzle-orm';
import type { LockRecord } from '../../bot/governance/locks.js';
import type { Queryable } from './db.js';
import { locks } from './schema.js';

export async function lockOf(db: Queryable, environment: string): Promise<LockRecord | undefined> {
  const [row] = await db.select().from(locks).where(eq(locks.environment, environment));
  return row ?? undefined;
}

export async function takeLock(db: Queryable, lock: LockRecord): Promise<boolean> {
  const rows = await db
    .insert(locks)
    .values(lock)
    .onConflictDoNothing()
    .returning({ environment: locks.environment });
  return rows.length > 0;
}

export async function renewLock(
  db: Queryable,
  environment: string,
  holderId: string,
  reason: string,
): Promise<boolean> {
  const rows = await db
    .update(locks)
    .set({ reason })
    .where(and(eq(locks.environment, environment), eq(locks.holderId, holderId)))
    .returning({ environment: locks.environment });
  return rows.length > 0;
}

export async function releaseLock(db: Queryable, environment: string, holderId: string): Promise<boolean> {
  const rows = await db
    .delete(locks)
    .where(and(eq(locks.environment, environment), eq(locks.holderId, holderId)))
    .returning({ environment: locks.environment });
  return rows.length > 0;
}

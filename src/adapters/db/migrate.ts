// Applying migrations/ with drizzle's migrator, counting what was new. On PostgreSQL,
// processes starting together take turns: a session advisory lock is held on one reserved
// connection for the whole run (on a pool, a session lock would land on any connection).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { rowsOf } from './db.js';

export const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));
const MIGRATION_LOCK = 7_466_123_001;

export interface Migrated {
  /** Migrations this run applied. */
  applied: number;
  /** Migrations the database has now. */
  total: number;
}

type Execute = (query: ReturnType<typeof sql>) => Promise<unknown>;

async function countApplied(execute: Execute): Promise<number> {
  const [table] = rowsOf<{ t: string | null }>(
    await execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`),
  );
  if (!table?.t) return 0;
  const [row] = rowsOf<{ n: number | string }>(
    await execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
  );
  return Number(row?.n ?? 0);
}

export async function migratePgliteClient(client: PGlite): Promise<Migrated> {
  const db = drizzlePglite(client);
  const before = await countApplied((q) => db.execute(q));
  await migratePglite(db, { migrationsFolder: MIGRATIONS });
  const total = await countApplied((q) => db.execute(q));
  return { applied: total - before, total };
}

export async function migratePostgresUrl(url: string): Promise<Migrated> {
  // Loaded here: a process on the embedded database never needs postgres.js.
  const [{ default: postgres }, { drizzle: drizzlePostgres }, { migrate: migratePostgres }] =
    await Promise.all([
      import('postgres'),
      import('drizzle-orm/postgres-js'),
      import('drizzle-orm/postgres-js/migrator'),
    ]);
  const locker = postgres(url, { max: 1, onnotice: () => undefined });
  const runner = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const reserved = await locker.reserve();
    try {
      await reserved`select pg_advisory_lock(${MIGRATION_LOCK})`;
      try {
        const db = drizzlePostgres(runner);
        const before = await countApplied((q) => db.execute(q));
        await migratePostgres(db, { migrationsFolder: MIGRATIONS });
        const total = await countApplied((q) => db.execute(q));
        return { applied: total - before, total };
      } finally {
        await reserved`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      }
    } finally {
      reserved.release();
    }
  } finally {
    await Promise.all([runner.end({ timeout: 5 }), locker.end({ timeout: 5 })]);
  }
}

/** Changes whenever a migration file does: names cached or template databases. */
export function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith('.sql'))
    .sort())
    hash.update(file).update(readFileSync(join(MIGRATIONS, file)));
  return hash.digest('hex').slice(0, 12);
}

/** The migrations in the order they are applied (the journal's), by name: `0000_initial`, … */
export function migrationNames(): string[] {
  const journal: { entries: Array<{ idx: number; tag: string }> } = JSON.parse(
    readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8'),
  );
  return [...journal.entries].sort((a, b) => a.idx - b.idx).map((entry) => entry.tag);
}

// Opening the database: embedded PGlite in a directory (guarded by a lock file) when
// DATABASE_URL is unset, PostgreSQL through postgres.js when it is set. The same migrations
// serve both and are applied at open, under an advisory lock on PostgreSQL.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Dedup, DigestRuns, Outbox } from '../../bot/ports.js';
import type { Store } from '../../engine/ports.js';
import { createDedup, createDigestRuns } from './claims.js';
import type { Db } from './db.js';
import { acquireDirectoryLock } from './lock.js';
import { createOutbox } from './outbox.js';
import * as schema from './schema.js';
import { createStore } from './store.js';

export const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));
const MIGRATION_LOCK = 7_466_123_001;

export interface Database {
  backend: 'pglite' | 'postgres';
  /** Where it lives: the PGlite directory, or the server URL without credentials. */
  location: string;
  db: Db;
  store: Store;
  outbox: Outbox;
  dedup: Dedup;
  digests: DigestRuns;
  close(): Promise<void>;
}

export interface OpenOptions {
  env: NodeJS.ProcessEnv;
  /** PGlite directory when DATABASE_URL is unset; `memory://` for a throwaway database. */
  dataDir: string;
  /** A migrated PGlite data dir dump to start from instead of running initdb + migrations. */
  snapshot?: Blob | File;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const url = options.env.DATABASE_URL;
  return url ? openPostgres(url) : openPglite(options.dataDir, options.snapshot);
}

async function openPglite(dataDir: string, snapshot?: Blob | File): Promise<Database> {
  const memory = dataDir.startsWith('memory://');
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const release = memory ? () => undefined : acquireDirectoryLock(dataDir);
  try {
    const client = new PGlite(memory ? undefined : dataDir, snapshot ? { loadDataDir: snapshot } : {});
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS });
    return assemble('pglite', memory ? 'memory' : dataDir, db, async () => {
      await client.close();
      release();
    });
  } catch (error) {
    release();
    throw error;
  }
}

async function openPostgres(url: string): Promise<Database> {
  await migrateLocked(url);
  const sql = postgres(url, { max: 10, onnotice: () => undefined });
  try {
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
    return assemble('postgres', redactUrl(url), db, () => sql.end({ timeout: 5 }));
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
}

/**
 * Runs the migrator on one dedicated connection (a client of at most one connection, so the
 * session lock and the migration share it) holding an advisory lock: concurrent starts wait.
 */
async function migrateLocked(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migratePostgres(drizzlePostgres(sql), { migrationsFolder: MIGRATIONS });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function assemble(
  backend: Database['backend'],
  location: string,
  db: Db,
  close: () => Promise<void>,
): Database {
  return {
    backend,
    location,
    db,
    store: createStore(db),
    outbox: createOutbox(db),
    dedup: createDedup(db),
    digests: createDigestRuns(db),
    close,
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}

/** `drover migrate`: applies pending migrations and says where. */
export async function migrateCommand(env: NodeJS.ProcessEnv, dataDir: string): Promise<string> {
  const database = await openDatabase({ env, dataDir });
  try {
    const applied = await appliedMigrations(database.db);
    return `migrations up to date on ${database.backend} (${database.location}): ${applied} applied`;
  } finally {
    await database.close();
  }
}

async function appliedMigrations(db: Db): Promise<number> {
  const rows = await db.execute<{ count: number }>(
    'select count(*)::int as count from drizzle.__drizzle_migrations',
  );
  const list = Array.isArray(rows) ? rows : (rows as unknown as { rows: Array<{ count: number }> }).rows;
  return list[0]?.count ?? 0;
}

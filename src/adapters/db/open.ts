// Opening the database: embedded PGlite in a directory (guarded by a lock file) when
// DATABASE_URL is unset, PostgreSQL through postgres.js when it is set (loaded only then). The
// same migrations serve both and are applied at open (under an advisory lock on PostgreSQL).
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { GovernanceStore } from '../../bot/governance/ports.js';
import type { Dedup, DigestRuns, Outbox } from '../../bot/ports.js';
import type { Store } from '../../engine/ports.js';
import { createDedup, createDigestRuns } from './claims.js';
import type { Db } from './db.js';
import { createGovernanceStore } from './governance.js';
import { acquireDirectoryLock } from './lock.js';
import { type Migrated, migratePgliteClient, migratePostgresUrl, migrationNames } from './migrate.js';
import { createOutbox } from './outbox.js';
import { copyTemplate, dropTemplateDatabases, saveTemplate, templateDir } from './pglite-template.js';
import * as schema from './schema.js';
import { createStore } from './store.js';

export { MIGRATIONS } from './migrate.js';

export interface Database {
  backend: 'pglite' | 'postgres';
  /** Where it lives: the PGlite directory (`memory` for a throwaway one), or the server URL without password. */
  location: string;
  /** What the migrations did at this open. */
  migrated: Migrated;
  /** The drizzle database, for queries beyond the ports (digest queries, tests). */
  db: Db;
  store: Store;
  outbox: Outbox;
  dedup: Dedup;
  digests: DigestRuns;
  /** Locks, approval requests, the audit log read back. */
  governance: GovernanceStore;
  close(): Promise<void>;
}

export interface OpenOptions {
  env: NodeJS.ProcessEnv;
  /** PGlite directory when DATABASE_URL is unset (default `.drover/db` under the cwd); `memory://` for a throwaway one. */
  dataDir?: string;
  /**
   * A migrated PGlite data dir dump to start a new database from (`PGlite.dumpDataDir()`).
   * Without one, a new directory is a copy of the cached template (made at the first initdb).
   */
  snapshot?: Blob | File;
  /**
   * Called after each write that gives a serving process new work: engine events (commits,
   * new upgrades) and outgoing messages. Writes by other processes are only seen by polling.
   */
  onWrite?: () => void;
}

export const DEFAULT_DATA_DIR = join('.drover', 'db');

/**
 * How the embedded PostgreSQL starts: PGlite's defaults with 16 MB of shared buffers instead of
 * 128 MB. drover's tables are a few MB; the other 112 MB cost every start ~170 ms and ~125 MB
 * of resident memory here, and reads beyond the buffers come from the OS page cache.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const url = options.env.DATABASE_URL;
  const database = url
    ? await openPostgres(url)
    : await openPglite(options.env, options.dataDir ?? resolve(DEFAULT_DATA_DIR), options.snapshot);
  return options.onWrite ? announcing(database, options.onWrite) : database;
}

/** The same ports, with the writes that make work for a serving process announced. */
function announcing(database: Database, onWrite: () => void): Database {
  const { store, outbox } = database;
  const after =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await write(...args);
      onWrite();
      return result;
    };
  return {
    ...database,
    store: { ...store, commit: after(store.commit), createUpgrade: after(store.createUpgrade) },
    outbox: { ...outbox, enqueue: after(outbox.enqueue) },
  };
}

async function openPglite(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  snapshot?: Blob | File,
): Promise<Database> {
  const memory = dataDir.startsWith('memory://');
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const release = memory ? () => undefined : acquireDirectoryLock(dataDir);
  let client: PGlite | undefined;
  try {
    const fresh = !memory && !snapshot && !existsSync(join(dataDir, 'PG_VERSION'));
    const template = fresh ? templateDir(env) : undefined;
    const initdb = template !== undefined && !copyTemplate(template, dataDir);
    client = new PGlite(memory ? undefined : dataDir, {
      startParams: PGLITE_START_PARAMS,
      ...(snapshot ? { loadDataDir: snapshot } : {}),
    });
    let migrated: Migrated | undefined;
    if (initdb) {
      await dropTemplateDatabases(client);
      migrated = await migratePgliteClient(client);
      // The template is copied from a cleanly closed directory.
      await client.close();
      const trouble = saveTemplate(dataDir, template);
      if (trouble) process.emitWarning(trouble, { code: 'DROVER_PGLITE_TEMPLATE' });
      client = new PGlite(dataDir, { startParams: PGLITE_START_PARAMS });
    }
    migrated ??= await migratePgliteClient(client);
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    const opened = client;
    return assemble('pglite', memory ? 'memory' : dataDir, migrated, db, async () => {
      await opened.close();
      release();
    });
  } catch (error) {
    await client?.close();
    release();
    throw error;
  }
}

async function openPostgres(url: string): Promise<Database> {
  const migrated = await migratePostgresUrl(url);
  const [{ default: postgres }, { drizzle: drizzlePostgres }] = await Promise.all([
    import('postgres'),
    import('drizzle-orm/postgres-js'),
  ]);
  const sql = postgres(url, { max: 10, onnotice: () => undefined });
  const db = drizzlePostgres(sql, { schema }) as unknown as Db;
  return assemble('postgres', redactUrl(url), migrated, db, () => sql.end({ timeout: 5 }));
}

function assemble(
  backend: Database['backend'],
  location: string,
  migrated: Migrated,
  db: Db,
  close: () => Promise<void>,
): Database {
  return {
    backend,
    location,
    migrated,
    db,
    store: createStore(db),
    outbox: createOutbox(db),
    dedup: createDedup(db),
    digests: createDigestRuns(db),
    governance: createGovernanceStore(db),
    close,
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch (error) {
    return `a PostgreSQL server (unparsable DATABASE_URL: ${(error as Error).message})`;
  }
}

/**
 * `drover migrate`: applies pending migrations; one line saying what and where, e.g.
 * "migrations applied on PGlite (.drover/db): 1 new" or "…: up to date (2 applied)".
 */
export interface MigrationReport {
  backend: 'pglite' | 'postgres';
  /** The data directory (PGlite) or the server's address (PostgreSQL). */
  location: string;
  /** Migrations this run applied, and how many are applied in all. */
  applied: number;
  total: number;
  /** The names of those this run applied (`0007_governance`), oldest first. */
  migrations: string[];
}

/** `drover migrate`: opens the database (which applies pending migrations) and says what it did. */
export async function migrateCommand(
  env: NodeJS.ProcessEnv,
  dataDir?: string,
): Promise<MigrationReport & { text: string }> {
  const database = await openDatabase({ env, ...(dataDir === undefined ? {} : { dataDir }) });
  try {
    const { applied, total } = database.migrated;
    const name = database.backend === 'pglite' ? 'PGlite' : 'PostgreSQL';
    const local = relative(process.cwd(), database.location);
    const where = database.backend === 'postgres' || local.startsWith('..') ? database.location : local;
    const what = applied > 0 ? `${applied} new` : `up to date (${total} applied)`;
    return {
      backend: database.backend,
      location: where,
      applied,
      total,
      migrations: migrationNames().slice(total - applied, total),
      text: `migrations applied on ${name} (${where}): ${what}`,
    };
  } finally {
    await database.close();
  }
}

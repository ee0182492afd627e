// Isolated, migrated databases for tests: PGlite in memory (from a migrated snapshot made
// once per process), and — when DATABASE_URL is set — a fresh PostgreSQL database per call,
// cloned from a migrated template (isolated by database, since drizzle-kit pins `public`).
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import postgres from 'postgres';
import { MIGRATIONS, migrationsHash } from '../../src/adapters/db/migrate.js';
import { type Database, openDatabase } from '../../src/adapters/db/open.js';

export type Backend = 'pglite' | 'postgres';

/** The backends to run store suites on: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function backends(): Backend[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

let snapshot: Promise<Blob> | undefined;

function pgliteSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const client = new PGlite();
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
    const dump = await client.dumpDataDir('none');
    await client.close();
    return dump;
  })();
  return snapshot;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates an empty database on the server and returns its URL and a drop function. */
export async function freshPostgresDatabase(
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL!;
  const admin = postgres(base, { max: 1, onnotice: () => undefined });
  const name = `drover_t_${randomBytes(6).toString('hex')}`;
  try {
    await admin.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    url: withDatabase(base, name),
    drop: async () => {
      const sql = postgres(base, { max: 1, onnotice: () => undefined });
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

async function postgresTemplate(): Promise<string> {
  const base = process.env.DATABASE_URL!;
  const name = `drover_template_${migrationsHash()}`;
  const admin = postgres(base, { max: 1, onnotice: () => undefined });
  try {
    const reserved = await admin.reserve();
    try {
      await reserved`select pg_advisory_lock(7466123002)`;
      const [exists] = await reserved`select 1 from pg_database where datname = ${name}`;
      if (!exists) {
        const building = `${name}_building`;
        await reserved.unsafe(`drop database if exists ${building} with (force)`);
        await reserved.unsafe(`create database ${building}`);
        const database = await openDatabase({
          env: { DATABASE_URL: withDatabase(base, building) },
          dataDir: 'memory://',
        });
        await database.close();
        await reserved.unsafe(`alter database ${building} rename to ${name}`);
      }
      await reserved`select pg_advisory_unlock(7466123002)`;
    } finally {
      reserved.release();
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  return name;
}

/** An isolated, migrated database; close() also drops it (PostgreSQL). */
export async function openTestDatabase(backend: Backend = 'pglite'): Promise<Database> {
  if (backend === 'pglite') {
    return openDatabase({ env: {}, dataDir: 'memory://', snapshot: await pgliteSnapshot() });
  }
  const { url, drop } = await freshPostgresDatabase(await postgresTemplate());
  const database = await openDatabase({ env: { DATABASE_URL: url }, dataDir: 'memory://' });
  return {
    ...database,
    close: async () => {
      await database.close();
      await drop();
    },
  };
}

// Isolated, migrated databases for tests: PGlite in memory, loaded from a migrated snapshot
// made once per machine and migration set (cached in the temp dir); and — when DATABASE_URL is
// set — a fresh PostgreSQL database per call, cloned from a migrated template database
// (isolated by database, since drizzle-kit pins `public`), dropped on close.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { migratePgliteClient, migrationsHash } from '../../src/adapters/db/migrate.js';
import { type Database, openDatabase } from '../../src/adapters/db/open.js';
import { dropTemplateDatabases } from '../../src/adapters/db/pglite-template.js';

export type Backend = 'pglite' | 'postgres';

/** The backends to run store suites on: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function backends(): Backend[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

let snapshot: Promise<Blob> | undefined;
// Shared by the test processes of this machine: each vitest worker would otherwise pay an
// initdb (~7–9 s, ~800 MB) before its first database; loading the dump costs ~1 s.
const SNAPSHOT = join(tmpdir(), 'drover-test-cache', `pglite-${migrationsHash()}.tar.gz`);

function pgliteSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    if (existsSync(SNAPSHOT)) return new Blob([readFileSync(SNAPSHOT)]);
    const client = new PGlite();
    try {
      await dropTemplateDatabases(client);
      await migratePgliteClient(client);
      const dump = await client.dumpDataDir('gzip');
      const partial = `${SNAPSHOT}.${process.pid}.partial`;
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, SNAPSHOT);
      return dump;
    } finally {
      await client.close();
    }
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

/** A migrated PostgreSQL database of its own (DATABASE_URL's server): its URL, and drop(). */
export async function freshMigratedPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  return freshPostgresDatabase(await postgresTemplate());
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

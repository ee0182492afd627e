import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationNames } from '../../../src/adapters/db/migrate.js';
import { migrateCommand, openDatabase } from '../../../src/adapters/db/open.js';
import { templateDir } from '../../../src/adapters/db/pglite-template.js';
import { DatabaseLockedError } from '../../../src/errors.js';
import { drover, runScript } from '../../support/child.js';
import { freshPostgresDatabase } from '../../support/db.js';

const server = process.env.DATABASE_URL;
const openIn = (dir: string) =>
  `import { openDatabase } from './src/adapters/db/open.ts';
   try { const d = await openDatabase({ env: {}, dataDir: ${JSON.stringify(dir)} }); await d.close(); console.log('opened'); }
   catch (e) { console.log(e.code, e.message); }`;

describe('migrations on PGlite', () => {
  it('apply once (a second run is a no-op), seed a cached template that new directories start from, and lock the directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drover-migrate-'));
    const env = { DROVER_CACHE_DIR: join(root, 'cache') };
    const dir = join(root, 'db');
    // A template of another migration set is dropped when this one is saved.
    mkdirSync(join(root, 'cache', 'pglite-0.0.0-0123456789ab'), { recursive: true });
    const first = await migrateCommand(env, dir);
    expect(first.text).toMatch(/^migrations applied on PGlite \(.*\/db\): \d+ new$/);
    expect(first.migrations).toEqual(migrationNames());
    expect(first).toMatchObject({ applied: migrationNames().length, total: migrationNames().length });
    expect(migrationNames()[0]).toBe('0000_initial');
    const second = await migrateCommand(env, dir);
    expect(second.text).toMatch(/: up to date \(\d+ applied\)$/);
    expect(second).toMatchObject({ applied: 0, migrations: [] });
    expect(existsSync(templateDir(env))).toBe(true);
    expect(readdirSync(join(root, 'cache'))).toEqual([basename(templateDir(env))]);
    // A directory holding something else is not overwritten.
    mkdirSync(join(root, 'stray'));
    writeFileSync(join(root, 'stray', 'notes.txt'), 'mine');
    await expect(openDatabase({ env, dataDir: join(root, 'stray') })).rejects.toThrow(
      /stray holds files but no database \(no PG_VERSION\)/,
    );
    // A second directory starts from the template: already migrated, no initdb.
    expect((await migrateCommand(env, join(root, 'db2'))).text).toMatch(/: up to date \(\d+ applied\)$/);
    // Copied from a cleanly closed directory that keeps only the database drover uses.
    const copy = await openDatabase({ env, dataDir: join(root, 'db2') });
    try {
      const rows = await copy.db.execute('select datname from pg_database order by datname');
      expect((rows as unknown as { rows: unknown[] }).rows).toEqual([{ datname: 'postgres' }]);
      // Started with small shared buffers: drover's tables are a few MB.
      const buffers = await copy.db.execute(`select current_setting('shared_buffers') as size`);
      expect((buffers as unknown as { rows: unknown[] }).rows).toEqual([{ size: '16MB' }]);
    } finally {
      await copy.close();
    }

    const held = await openDatabase({ env, dataDir: dir });
    try {
      expect(existsSync(`${dir}.lock`)).toBe(true);
      await expect(openDatabase({ env, dataDir: dir })).rejects.toBeInstanceOf(DatabaseLockedError);
      const other = await runScript(openIn(dir));
      expect(other.out).toContain('database_locked');
      expect(other.out).toContain(`${process.pid}@${hostname()}`);
    } finally {
      await held.close();
    }
    expect(existsSync(`${dir}.lock`)).toBe(false);
    expect((await runScript(openIn(dir))).out).toContain('opened');
  }, 120_000);

  it('take over the lock of a process that died on this host, and refuse a live one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drover-lock-'));
    const dir = join(root, 'db');
    const dead = await runScript('console.log(process.pid)');
    writeFileSync(`${dir}.lock`, `${dead.out.trim()}@${hostname()}`);
    const database = await openDatabase({ env: { DROVER_CACHE_DIR: join(root, 'cache') }, dataDir: dir });
    await database.close();
    writeFileSync(`${dir}.lock`, `1@${hostname()}`);
    await expect(openDatabase({ env: {}, dataDir: dir })).rejects.toThrow(
      /open in another drover process \(1@/,
    );
  }, 120_000);
});

describe.runIf(server)('migrations on PostgreSQL', () => {
  it('four processes migrating at once: all succeed, exactly one applies; a second run is a no-op', async () => {
    const { url, drop } = await freshPostgresDatabase();
    try {
      const script = `import { migrateCommand } from './src/adapters/db/open.ts'; console.log((await migrateCommand({ DATABASE_URL: process.env.TARGET })).text);`;
      const runs = await Promise.all([1, 2, 3, 4].map(() => runScript(script, { TARGET: url })));
      for (const run of runs) expect(run, run.out).toMatchObject({ code: 0 });
      expect(
        runs.filter((run) => /: \d+ new/.test(run.out)),
        runs.map((r) => r.out).join('\n'),
      ).toHaveLength(1);
      expect(runs.filter((run) => /up to date/.test(run.out))).toHaveLength(3);
      const again = await migrateCommand({ DATABASE_URL: url });
      expect(again.text).toMatch(
        /^migrations applied on PostgreSQL \(postgres:\/\/.*\): up to date \(\d+ applied\)$/,
      );
    } finally {
      await drop();
    }
  }, 120_000);

  it('`drover migrate --json` says what it applied: every migration on an empty database, then none', async () => {
    const { url, drop } = await freshPostgresDatabase();
    try {
      const all = migrationNames();
      const first = await drover(['migrate', '--json'], { env: { DATABASE_URL: url } });
      expect(first.code, first.err).toBe(0);
      expect(JSON.parse(first.out)).toEqual({
        backend: 'postgres',
        location: expect.stringMatching(/^postgres:\/\/.*drover_t_/),
        applied: all.length,
        total: all.length,
        migrations: all,
      });
      const again = await drover(['migrate', '--json'], { env: { DATABASE_URL: url } });
      expect(JSON.parse(again.out)).toMatchObject({ applied: 0, total: all.length, migrations: [] });
    } finally {
      await drop();
    }
  }, 120_000);
});

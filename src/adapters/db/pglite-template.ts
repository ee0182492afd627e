// A migrated, empty PGlite data directory that new directories are copied from, so that a new
// database costs a file copy (~0.3 s here) instead of initdb + migrations (~9 s and ~900 MB
// RSS on this machine). Cached per migration set and PGlite version under $DROVER_CACHE_DIR
// (default $XDG_CACHE_HOME/drover, ~/.cache/drover).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { RefusedError } from '../../errors.js';
import { migrationsHash } from './migrate.js';

function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (let depth = 0; depth < 5; depth += 1, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

export function templateDir(env: NodeJS.ProcessEnv): string {
  const dir = env.DROVER_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'drover');
  return join(dir, `pglite-${pgliteVersion()}-${migrationsHash()}`);
}

/**
 * Fills an empty data directory from the template; false when there is no template yet. The
 * copy lands whole or not at all: a copy cut short (full disk) never passes for a database.
 */
export function copyTemplate(template: string, dataDir: string): boolean {
  if (!existsSync(join(template, 'PG_VERSION'))) return false;
  if (readdirSync(dataDir).length > 0)
    throw new RefusedError(
      `${dataDir} holds files but no database (no PG_VERSION): move them away, or set DATABASE_URL`,
    );
  const partial = `${dataDir}.${process.pid}.partial`;
  try {
    cpSync(template, partial, { recursive: true });
    renameSync(partial, dataDir); // replaces the empty directory the lock was taken beside
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return true;
}

/**
 * Keeps a closed, freshly migrated data directory as the template. A cache that cannot be
 * written (read-only home, full disk) only costs the next new database its initdb: reported,
 * not thrown. Two processes saving at once: the first rename wins, the other copy is dropped.
 */
export function saveTemplate(dataDir: string, template: string): string | undefined {
  const partial = `${template}.${process.pid}.partial`;
  try {
    mkdirSync(dirname(template), { recursive: true });
    cpSync(dataDir, partial, { recursive: true });
    if (!existsSync(template)) renameSync(partial, template);
    pruneOthers(template);
    return undefined;
  } catch (error) {
    return `cannot cache the migrated database template at ${template}: ${(error as Error).message}`;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Templates of other migration sets or PGlite versions (25 MB or more each) are dropped. */
function pruneOthers(template: string): void {
  const keep = basename(template);
  for (const entry of readdirSync(dirname(template)))
    if (/^pglite-/.test(entry) && entry !== keep && !entry.endsWith('.partial'))
      rmSync(join(dirname(template), entry), { recursive: true, force: true });
}

/**
 * A new cluster keeps only the database drover uses (`postgres`): initdb's template0 and
 * template1 are two thirds of its files, and each new directory would copy them.
 */
export async function dropTemplateDatabases(client: PGlite): Promise<void> {
  for (const name of ['template0', 'template1']) {
    await client.exec(`ALTER DATABASE ${name} IS_TEMPLATE false`);
    await client.exec(`DROP DATABASE ${name}`);
  }
}

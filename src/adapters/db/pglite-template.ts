// A migrated, empty PGlite data directory, kept as a tarball so that a new database costs a
// load (~2 s here) instead of initdb + migrations (~9 s and ~900 MB RSS on this machine).
// Cached per migration set and PGlite version under $DROVER_CACHE_DIR (default
// $XDG_CACHE_HOME/drover, ~/.cache/drover).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
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

export function templatePath(env: NodeJS.ProcessEnv): string {
  const dir = env.DROVER_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'drover');
  return join(dir, `pglite-${pgliteVersion()}-${migrationsHash()}.tar.gz`);
}

/** The cached template, or undefined when there is none yet. */
export function readTemplate(path: string): Blob | undefined {
  try {
    return new Blob([readFileSync(path)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Dumps a freshly migrated database as the template. A cache that cannot be written (read-only
 * home, full disk) only costs the next new database its initdb: reported, not thrown.
 */
export async function saveTemplate(client: PGlite, path: string): Promise<string | undefined> {
  try {
    const dump = await client.dumpDataDir('gzip');
    mkdirSync(join(path, '..'), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
    return undefined;
  } catch (error) {
    return `cannot cache the migrated database template at ${path}: ${(error as Error).message}`;
  }
}

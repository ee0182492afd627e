// `drover migrate`: apply pending migrations; a second run is a no-op.
import { resolve } from 'node:path';
import { migrateCommand as migrate } from '../adapters/db/open.js';
import type { Io } from '../cli.js';

export async function migrateCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help')) {
    io.out(
      'usage: drover migrate   (DATABASE_URL selects PostgreSQL; otherwise the embedded database in .drover/db)',
    );
    return 0;
  }
  io.out(await migrate(io.env, resolve('.drover', 'db')));
  return 0;
}

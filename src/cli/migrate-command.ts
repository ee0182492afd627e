// `drover migrate [--json]`: apply pending migrations; a second run is a no-op.
import { resolve } from 'node:path';
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 50,
  define(program, { io }) {
    program
      .command('migrate')
      .description('apply database migrations (a second run is a no-op)')
      .addHelpText(
        'after',
        '\nDATABASE_URL selects PostgreSQL; otherwise the embedded database in .drover/db',
      )
      .option('--json', 'print {backend, location, applied, total, migrations} (docs/json.md)')
      .action(async (flags: { json?: boolean }) => {
        const { migrateCommand } = await import('../adapters/db/open.js');
        const { text, ...report } = await migrateCommand(io.env, resolve('.drover', 'db'));
        io.out(flags.json ? JSON.stringify(report) : text);
      });
  },
};

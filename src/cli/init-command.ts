// `drover init [--config F] [--force] [--json]`: writes a commented example drover.yaml that
// passes `validate`.
import { existsSync, writeFileSync } from 'node:fs';
import { EXAMPLE_CONFIG } from '../config/example.js';
import { configPath, loadConfig } from '../config/load.js';
import { RefusedError } from '../errors.js';
import type { CliCommand } from './program.js';
import { summarize } from './validate.js';

export const command: CliCommand = {
  order: 10,
  define(program, { io }) {
    program
      .command('init')
      .description('write a commented example drover.yaml')
      .option('--config <file>', 'where to write it (default $DROVER_CONFIG or drover.yaml)')
      .option('--force', 'overwrite an existing file')
      .option('--json', 'print {"path": …} (docs/json.md)')
      .action((flags: { config?: string; force?: boolean; json?: boolean }) => {
        const file = configPath(io.env, flags.config);
        if (existsSync(file) && !flags.force)
          throw new RefusedError(`${file} exists; pass --force to overwrite it`);
        writeFileSync(file, EXAMPLE_CONFIG);
        const { config } = loadConfig(io.env, file);
        io.out(flags.json ? JSON.stringify({ path: file }) : `wrote ${file}\n${summarize(config, file)}`);
      });
  },
};

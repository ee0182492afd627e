// `drover validate [--config F] [--reach] [--json]`: the config's meaning checked (every error
// with file:line:column), and with --reach what it points at.
import { configLocator, configPath, loadConfig } from '../config/load.js';
import type { PathKey } from '../config/path.js';
import { configWarnings } from '../config/warnings.js';
import { ConfigError, formatIssue } from '../errors.js';
import type { CliCommand } from './program.js';
import { checkReach } from './reach.js';
import { summarize } from './validate.js';

export const command: CliCommand = {
  order: 20,
  define(program, { io, exit }) {
    program
      .command('validate')
      .description('check the config (and with --reach: keys, refs, nodes over SSH)')
      .option('--config <file>', 'the config file (default $DROVER_CONFIG or drover.yaml)')
      .option(
        '--reach',
        'also check key and known_hosts files, release refs in the repository, and every node over SSH',
      )
      .option('--json', 'print {file, valid, errors, warnings} (docs/json.md)')
      .action(async (flags: { config?: string; reach?: boolean; json?: boolean }) => {
        let loaded: ReturnType<typeof loadConfig>;
        try {
          loaded = loadConfig(io.env, flags.config);
        } catch (error) {
          if (!(error instanceof ConfigError) || !flags.json) throw error;
          const file = configPath(io.env, flags.config);
          io.out(JSON.stringify({ file, valid: false, errors: error.issues }));
          return exit(1);
        }
        const { config, file } = loaded;
        const found = configWarnings(config);
        const reach = flags.reach ? await checkReach(config, io) : [];
        // Each warning and problem at the position of the key at fault, as the config's own errors are.
        const locate = found.length + reach.length > 0 ? configLocator(file) : undefined;
        const at = (item: { path: PathKey[]; message: string }) => ({
          ...locate!(item.path),
          message: item.message,
        });
        const warnings = found.map(at);
        const problems = reach.map(at);
        if (flags.json) {
          io.out(JSON.stringify({ file, valid: problems.length === 0, errors: problems, warnings }));
          return exit(problems.length === 0 ? 0 : 1);
        }
        io.out(summarize(config, file));
        for (const { file: f, line, column, path, message } of warnings)
          io.err(`${f}:${line}:${column}: warning: ${path}: ${message}`);
        if (flags.reach && problems.length === 0) io.out('  reach: every file, ref and node answered');
        else for (const problem of problems) io.err(formatIssue(problem));
        exit(problems.length === 0 ? 0 : 1);
      });
  },
};

// `drover validate [--config F] [--reach]`

import type { Io } from '../cli.js';
import { dotted, loadConfig } from '../config/load.js';
import { configWarnings } from '../config/warnings.js';
import { flagValue } from './args.js';
import { checkReach } from './reach.js';
import { summarize } from './validate.js';

export async function validateCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help')) {
    io.out(
      'usage: drover validate [--config F] [--reach]\n  --reach  also check key and known_hosts files, release refs in the repository, and every node over SSH',
    );
    return 0;
  }
  const { config, file } = loadConfig(io.env, flagValue(args, '--config'));
  io.out(summarize(config, file));
  for (const warning of configWarnings(config))
    io.err(`${file}: warning: ${dotted(warning.path)}: ${warning.message}`);
  if (!args.includes('--reach')) return 0;
  const problems = await checkReach(config, io);
  if (problems.length === 0) {
    io.out('  reach: every file, ref and node answered');
    return 0;
  }
  for (const problem of problems) io.err(`${file}: ${problem}`);
  return 1;
}

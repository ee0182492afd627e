// `drover serve [--config F]`: runs until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import type { Io } from '../cli.js';
import { startServe } from './serve.js';

export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    io.out(
      'usage: drover serve [--config F]\n  Slack: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (SLACK_API_URL); Discord: DISCORD_TOKEN, DISCORD_APPLICATION_ID (DISCORD_API_URL);\n  PORT (3000), DROVER_WEBHOOK_SECRET for POST /hooks/deploy, DATABASE_URL',
    );
    return 0;
  }
  const serving = await startServe(io.env, values.config, { log: io.err });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.err('drover: stopping');
  await serving.stop();
  return 0;
}

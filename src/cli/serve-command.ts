// `drover serve [--config F]`: runs until SIGINT or SIGTERM (serve.ts).
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 60,
  define(program, { io }) {
    program
      .command('serve')
      .description('run Slack and/or Discord, the deploy webhook and /healthz')
      .option('--config <file>', 'the config file (default $DROVER_CONFIG or drover.yaml)')
      .addHelpText(
        'after',
        '\nSlack: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (SLACK_API_URL); Discord: DISCORD_TOKEN, DISCORD_APPLICATION_ID (DISCORD_API_URL);\nPORT (3000), DROVER_WEBHOOK_SECRET for POST /hooks/deploy, DATABASE_URL',
      )
      .action(async (flags: { config?: string }) => {
        const { startServe } = await import('./serve.js');
        const serving = await startServe(io.env, flags.config, { log: io.err });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        io.err('drover: stopping');
        await serving.stop();
      });
  },
};

// `drover serve [--config F]`: runs until SIGINT or SIGTERM (serve.ts), then shuts down
// gracefully (DROVER_SHUTDOWN_GRACE) and exits 0. Logs are pino JSON lines on stdout (readable
// lines on a terminal); an error nobody handled is logged, never the end of the process.
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 60,
  define(program, { io }) {
    program
      .command('serve')
      .description('run Slack and/or Discord, the deploy webhook, /healthz, /livez and /metrics')
      .option('--config <file>', 'the config file (default $DROVER_CONFIG or drover.yaml)')
      .addHelpText(
        'after',
        '\nSlack: SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) (SLACK_API_URL);\nDiscord: DISCORD_TOKEN, DISCORD_APPLICATION_ID (DISCORD_API_URL);\nPORT (3000), DROVER_WEBHOOK_SECRET for POST /hooks/deploy, DATABASE_URL,\nLOG_LEVEL (info), DROVER_LOG_FORMAT (json|pretty), DROVER_SHUTDOWN_GRACE (30s)',
      )
      .action(async (flags: { config?: string }) => {
        const { startServe } = await import('./serve.js');
        const { asPort, createLogger } = await import('../adapters/log/logger.js');
        const { createMetrics } = await import('../adapters/metrics/metrics.js');
        const pino = createLogger({ env: io.env });
        const log = asPort(pino);
        const onUnhandled = (error: unknown) =>
          log.error({ err: error }, 'unhandled rejection (logged; serving goes on)');
        const onUncaught = (error: unknown) =>
          log.error({ err: error }, 'uncaught exception (logged; serving goes on)');
        process.on('unhandledRejection', onUnhandled);
        process.on('uncaughtException', onUncaught);
        const serving = await startServe(io.env, flags.config, { logger: log, metrics: createMetrics() });
        const signal = await new Promise<string>((resolve) => {
          process.once('SIGINT', () => resolve('SIGINT'));
          process.once('SIGTERM', () => resolve('SIGTERM'));
        });
        log.info({ signal }, `${signal}: stopping`);
        await serving.stop();
        process.off('unhandledRejection', onUnhandled);
        process.off('uncaughtException', onUncaught);
        pino.flush();
      });
  },
};

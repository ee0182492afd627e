// `drover serve [--config F]`: runs until SIGINT or SIGTERM, then shuts down gracefully
// (DROVER_SHUTDOWN_GRACE) and exits 0. Logs are pino JSON lines on stdout (readable lines on a
// terminal); an error nobody handled is logged, never the end of the process.
import { parseArgs } from 'node:util';
import { asPort, createLogger } from '../adapters/log/logger.js';
import { createMetrics } from '../adapters/metrics/metrics.js';
import type { Io } from '../cli.js';
import { startServe } from './serve.js';

const USAGE = `usage: drover serve [--config F]
  Slack: SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP, POST /slack/events) or SLACK_APP_TOKEN (Socket Mode)
    (SLACK_API_URL); Discord: DISCORD_TOKEN, DISCORD_APPLICATION_ID (DISCORD_API_URL);
  PORT (3000), DROVER_WEBHOOK_SECRET for POST /hooks/deploy, DATABASE_URL,
  LOG_LEVEL (info), DROVER_LOG_FORMAT (json|pretty), DROVER_SHUTDOWN_GRACE (30s)
  GET /healthz (ready), GET /livez (alive), GET /metrics (Prometheus)`;

export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const pino = createLogger({ env: io.env });
  const log = asPort(pino);
  const onUnhandled = (error: unknown) =>
    log.error({ err: error }, 'unhandled rejection (logged; serving goes on)');
  const onUncaught = (error: unknown) =>
    log.error({ err: error }, 'uncaught exception (logged; serving goes on)');
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUncaught);
  const serving = await startServe(io.env, values.config, { logger: log, metrics: createMetrics() });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, `${signal}: stopping`);
  await serving.stop();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);
  pino.flush();
  return 0;
}

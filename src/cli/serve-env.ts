// The environment `drover serve` reads: which platforms to run (a half-configured one is an
// error naming the missing variable), the port, the webhook secret, the shutdown grace.
import { z } from 'zod';
import { duration } from '../config/schema.js';
import { ServeConfigError } from '../errors.js';

const serveEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
  SLACK_API_URL: z.string().url().optional(),
  SLACK_TEAM_ID: z.string().min(1).optional(),
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: z.string().min(1).optional(),
  DISCORD_API_URL: z.string().url().optional(),
  DROVER_WEBHOOK_SECRET: z.string().min(1).optional(),
  DROVER_SHUTDOWN_GRACE: duration.default(30_000),
});
export type ServeEnv = z.infer<typeof serveEnv>;

/** Reads the serving environment; a half-configured platform names the missing variable. */
export function readServeEnv(env: NodeJS.ProcessEnv): ServeEnv {
  const blank = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = serveEnv.safeParse(blank);
  if (!parsed.success)
    throw new ServeConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const values = parsed.data;
  const pair = (a: keyof ServeEnv, b: keyof ServeEnv, what: string) => {
    if (Boolean(values[a]) !== Boolean(values[b]))
      throw new ServeConfigError(`${values[a] ? b : a} is missing: ${what} needs both ${a} and ${b}`);
  };
  // Socket Mode (an app-level token) needs no signing secret: Slack sends nothing over HTTP.
  if (values.SLACK_APP_TOKEN) {
    if (!values.SLACK_BOT_TOKEN)
      throw new ServeConfigError(
        'SLACK_BOT_TOKEN is missing: Slack in Socket Mode needs both SLACK_BOT_TOKEN and SLACK_APP_TOKEN',
      );
  } else pair('SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'Slack');
  pair('DISCORD_TOKEN', 'DISCORD_APPLICATION_ID', 'Discord');
  if (!values.SLACK_BOT_TOKEN && !values.DISCORD_TOKEN) {
    throw new ServeConfigError(
      'no chat platform configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode), or DISCORD_TOKEN and DISCORD_APPLICATION_ID (or try drover console)',
    );
  }
  return values;
}

// `drover serve`, as a function tests can start and stop: every configured platform, the
// deploy webhook, /healthz, the engine driving active upgrades, the notifier and one outbox
// worker per platform.
import type { Server } from 'node:http';
import { z } from 'zod';
import { systemClock } from '../adapters/clock.js';
import { createDiscordBot } from '../adapters/discord/bot.js';
import { handleDeployHook } from '../adapters/http/deploy-hook.js';
import { createHttpServer, listen } from '../adapters/http/server.js';
import { guardedDeploy } from '../adapters/http/webhook-auth.js';
import { createSlackApp } from '../adapters/slack/app.js';
import type { Platform } from '../bot/model.js';
import { createNotifier } from '../bot/notifier.js';
import { createOutboxWorker, type OutboxWorker } from '../bot/outbox-worker.js';
import { DroverError } from '../errors.js';
import { createDoorbell } from './doorbell.js';
import {
  commandDispatcher,
  digestScheduler,
  openRuntime,
  type Runtime,
  type RuntimeOptions,
} from './runtime.js';

/** How often units finishing alone may edit an upgrade's chat message (see createNotifier). */
const PROGRESS_EVERY_MS = 1_000;
/**
 * How often an idle serve looks for events and due messages that its own writes did not ring
 * for: other drover processes' (a CLI verb), retries coming due, progress held back.
 */
const IDLE_POLL_MS = 1_000;

const serveEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_API_URL: z.string().url().optional(),
  SLACK_TEAM_ID: z.string().min(1).optional(),
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: z.string().min(1).optional(),
  DISCORD_API_URL: z.string().url().optional(),
  DROVER_WEBHOOK_SECRET: z.string().min(1).optional(),
});
export type ServeEnv = z.infer<typeof serveEnv>;

export class ServeConfigError extends DroverError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

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
  pair('SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'Slack');
  pair('DISCORD_TOKEN', 'DISCORD_APPLICATION_ID', 'Discord');
  if (!values.SLACK_BOT_TOKEN && !values.DISCORD_TOKEN) {
    throw new ServeConfigError(
      'no chat platform configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or DISCORD_TOKEN and DISCORD_APPLICATION_ID (or try drover console)',
    );
  }
  return values;
}

export interface Serving {
  port: number;
  runtime: Runtime;
  server: Server;
  workers: OutboxWorker[];
  stop(): Promise<void>;
}

export async function startServe(
  env: NodeJS.ProcessEnv,
  configFlag: string | undefined,
  options: RuntimeOptions & { log?: (line: string) => void } = {},
): Promise<Serving> {
  const settings = readServeEnv(env);
  // The pump below sleeps until this process writes new work, or until its poll for what
  // other drover processes wrote.
  const bell = createDoorbell(options.clock ?? systemClock);
  const runtime = await openRuntime(env, configFlag, { ...options, onWrite: bell.ring });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const onError = (error: unknown) =>
    log(`drover: ${error instanceof Error ? error.message : String(error)}`);
  const { db, config, clock, owner } = runtime;
  const platforms: Platform[] = [];
  // Digests go to every platform served here; the list fills in below, before start().
  const digests = digestScheduler(runtime, platforms, onError);
  const dispatcher = commandDispatcher(runtime, (env) => digests.postDigestNow(env), onError);
  const workers: OutboxWorker[] = [];
  const ready = new Map<string, boolean>([['database', true]]);

  const slack = settings.SLACK_BOT_TOKEN
    ? createSlackApp({
        token: settings.SLACK_BOT_TOKEN,
        signingSecret: settings.SLACK_SIGNING_SECRET!,
        apiUrl: settings.SLACK_API_URL,
        teamId: settings.SLACK_TEAM_ID,
        dispatcher,
        outbox: db.outbox,
        dedup: db.dedup,
        clock,
        onError,
      })
    : undefined;
  if (slack) {
    platforms.push('slack');
    workers.push(
      createOutboxWorker({ outbox: db.outbox, transport: slack.transport, clock, owner, onError }),
    );
    ready.set('slack', false);
    slack.ready().then(
      () => ready.set('slack', true),
      (error) => onError(new Error(`Slack auth.test failed: ${(error as Error).message}`)),
    );
  }

  const discord = settings.DISCORD_TOKEN
    ? createDiscordBot({
        token: settings.DISCORD_TOKEN,
        applicationId: settings.DISCORD_APPLICATION_ID!,
        apiUrl: settings.DISCORD_API_URL,
        dispatcher,
        outbox: db.outbox,
        dedup: db.dedup,
        config,
        clock,
        onError,
      })
    : undefined;
  if (discord) {
    platforms.push('discord');
    workers.push(
      createOutboxWorker({ outbox: db.outbox, transport: discord.transport, clock, owner, onError }),
    );
    ready.set('discord', false);
    discord.start().then(
      () => ready.set('discord', true),
      (error) => onError(new Error(`Discord did not connect: ${(error as Error).message}`)),
    );
  }

  const notifier = createNotifier({
    config,
    store: db.store,
    outbox: db.outbox,
    platforms,
    progressEveryMs: PROGRESS_EVERY_MS,
    clock,
  });
  const server = createHttpServer({
    slack: slack?.handle,
    deploy: settings.DROVER_WEBHOOK_SECRET
      ? guardedDeploy({
          secret: settings.DROVER_WEBHOOK_SECRET,
          now: () => clock.now(),
          firstSeen: (id, now) => db.dedup.firstSeen('webhook', id, now),
          handle: (rawBody) => handleDeployHook({ rawBody, dispatcher, commits: runtime.commits, config }),
        })
      : undefined,
    health: async () =>
      [...ready]
        .filter(([part, ok]) => !ok && !(part === 'discord' && discord?.ready()))
        .map(([part]) => part),
    onError,
  });
  const port = await listen(server, settings.PORT);
  const abort = new AbortController();
  const engine = runtime.engine.serve(abort.signal);
  digests.start();
  const pump = (async () => {
    while (!abort.signal.aborted) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      let work = 0;
      try {
        work += await notifier.runOnce();
        for (const worker of workers) work += await worker.runOnce();
      } catch (error) {
        onError(error);
      }
      if (work === 0) await bell.wait(IDLE_POLL_MS, abort.signal);
    }
  })();
  log(
    `drover serving on :${port} (${platforms.join(', ')}${settings.DROVER_WEBHOOK_SECRET ? ', deploy webhook' : ''})`,
  );
  return {
    port,
    runtime,
    server,
    workers,
    async stop() {
      abort.abort();
      await digests.stop();
      await discord?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await Promise.allSettled([engine, pump]);
      await runtime.close();
    },
  };
}

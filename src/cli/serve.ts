// `drover serve`, as a function tests can start and stop: every configured platform, the
// deploy webhook, /healthz, /livez, /metrics, the engine driving active upgrades, the notifier
// and one outbox worker per platform. Every loop runs under a supervisor: nothing but stop()
// (a signal, in serve-command.ts) ends it.
import type { Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import { createStoredCounts, pingDatabase } from '../adapters/db/metrics-queries.js';
import { createDiscordBot } from '../adapters/discord/bot.js';
import { handleDeployHook } from '../adapters/http/deploy-hook.js';
import { createHttpServer, listen } from '../adapters/http/server.js';
import { guardedDeploy } from '../adapters/http/webhook-auth.js';
import { slackLogger } from '../adapters/log/logger.js';
import type { Metrics } from '../adapters/metrics/metrics.js';
import { createSlackApp } from '../adapters/slack/app.js';
import type { Dispatcher } from '../bot/dispatch.js';
import type { Platform } from '../bot/model.js';
import { createNotifier } from '../bot/notifier.js';
import { createOutboxWorker, type OutboxWorker } from '../bot/outbox-worker.js';
import { type Logger, silentLogger } from '../engine/log.js';
import { createSupervisor, type Supervisor } from '../engine/supervise.js';
import { createDoorbell } from './doorbell.js';
import { type Check, createHealth, type Health } from './health.js';
import { instrumentTransport } from './instrument.js';
import {
  commandDispatcher,
  digestScheduler,
  openRuntime,
  type Runtime,
  type RuntimeOptions,
} from './runtime.js';
import { readServeEnv } from './serve-env.js';

export { readServeEnv, type ServeEnv } from './serve-env.js';

/** How often units finishing alone may edit an upgrade's chat message (see createNotifier). */
const PROGRESS_EVERY_MS = 1_000;
/**
 * How often an idle serve looks for events and due messages that its own writes did not ring
 * for: other drover processes' (a CLI verb), retries coming due, progress held back.
 */
const IDLE_POLL_MS = 1_000;
/** How often the digest schedules are evaluated. */
const DIGEST_POLL_MS = 30_000;
/** How often expired approval requests are ended and old delivery ids forgotten. */
const SWEEP_EVERY_MS = 15_000;
/**
 * How long the ids of chat events and webhook deliveries are remembered: Slack retries an event
 * at most 3 times within about 5 minutes, discord.js replays missed events when it resumes its
 * session (minutes), and a deploy webhook request can pass its ±5-minute timestamp check for at
 * most 10 minutes after it was signed. An hour covers them all with room to spare.
 */
export const DELIVERY_IDS_KEEP_MS = 60 * 60_000;
/** How long stop() gives the outbox to deliver what is due before the process goes. */
const FLUSH_MS = 5_000;

export interface Serving {
  port: number;
  runtime: Runtime;
  server: Server;
  workers: OutboxWorker[];
  supervisor: Supervisor;
  health: Health;
  /**
   * Stops taking commands (503), lets phases in flight finish for up to `graceMs`
   * (DROVER_SHUTDOWN_GRACE), releases this process's leases, flushes the outbox, closes.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface ServeOptions extends RuntimeOptions {
  logger?: Logger;
  metrics?: Metrics;
}

export async function startServe(
  env: NodeJS.ProcessEnv,
  configFlag: string | undefined,
  options: ServeOptions = {},
): Promise<Serving> {
  const settings = readServeEnv(env);
  const log = options.logger ?? silentLogger;
  // The pump below sleeps until this process writes new work, or until its poll for what
  // other drover processes wrote.
  const bell = createDoorbell(options.clock ?? systemClock);
  const runtime = await openRuntime(env, configFlag, { ...options, log, onWrite: bell.ring });
  const onError = (error: unknown) => log.error({ err: error }, messageOf(error));
  const { db, config, clock, owner } = runtime;
  const { metrics } = options;
  metrics?.readFrom(createStoredCounts(db.db));
  const supervisor = createSupervisor({ log });
  const platforms: Platform[] = [];
  // Digests go to every platform served here; the list fills in below, before start().
  const digests = digestScheduler(
    runtime,
    platforms,
    (error, environment) =>
      log.error(
        { err: error, environment },
        `the digest of ${environment} failed; retried once its claim goes stale`,
      ),
    metrics,
  );
  let closing = false;
  const dispatcher = refusingWhenClosing(
    commandDispatcher(runtime, (environment) => digests.postDigestNow(environment), onError, platforms),
    () => closing,
  );
  const workers: OutboxWorker[] = [];
  const checks = new Map<string, Check>([['database', () => pingDatabase(db.db)]]);
  const transport = <T extends Parameters<typeof instrumentTransport>[0]>(t: T) =>
    metrics ? instrumentTransport(t, metrics) : t;

  const slack = settings.SLACK_BOT_TOKEN
    ? createSlackApp({
        token: settings.SLACK_BOT_TOKEN,
        signingSecret: settings.SLACK_SIGNING_SECRET ?? '',
        apiUrl: settings.SLACK_API_URL,
        appToken: settings.SLACK_APP_TOKEN,
        teamId: settings.SLACK_TEAM_ID,
        dispatcher,
        outbox: db.outbox,
        dedup: db.dedup,
        clock,
        onError,
        logger: slackLogger(log),
      })
    : undefined;
  if (slack) {
    platforms.push('slack');
    workers.push(
      createOutboxWorker({ outbox: db.outbox, transport: transport(slack.transport), clock, owner, onError }),
    );
    checks.set('slack', () => slack.connected());
    // Slack unreachable at start only delays readiness: ask until it answers.
    supervisor.run(
      'slack',
      async (tick) => {
        tick();
        await slack.ready();
        await slack.start();
        log.info(settings.SLACK_APP_TOKEN ? 'Slack connected (Socket Mode)' : 'Slack answered auth.test');
      },
      { once: true },
    );
  }

  const discord = settings.DISCORD_TOKEN
    ? createDiscordBot({
        token: settings.DISCORD_TOKEN,
        applicationId: settings.DISCORD_APPLICATION_ID ?? '',
        apiUrl: settings.DISCORD_API_URL,
        dispatcher,
        outbox: db.outbox,
        dedup: db.dedup,
        config,
        clock,
        onError,
        logger: log,
      })
    : undefined;
  if (discord) {
    platforms.push('discord');
    workers.push(
      createOutboxWorker({
        outbox: db.outbox,
        transport: transport(discord.transport),
        clock,
        owner,
        onError,
      }),
    );
    checks.set('discord', () => discord.ready());
    supervisor.run(
      'discord',
      async (tick) => {
        tick();
        await discord.start();
        log.info('Discord gateway ready');
      },
      { once: true },
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
  const health = createHealth({
    checks,
    loops: () => ({ all: supervisor.status(), stale: supervisor.stale() }),
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
    health: () => health.readiness(),
    live: () => health.liveness(),
    ...(metrics
      ? { metrics: async () => ({ contentType: metrics.contentType, body: await metrics.scrape() }) }
      : {}),
    closing: () => closing,
    onError,
  });
  const port = await listen(server, settings.PORT);

  // The engine stops on its own signal, before the other loops: its drivers finish their
  // phases in flight and release their leases while the outbox still delivers.
  const engineStop = new AbortController();
  const engineDone = new Promise<void>((resolve) => {
    supervisor.run(
      'engine',
      async (tick) => {
        await runtime.engine.serve(engineStop.signal, tick);
        if (!engineStop.signal.aborted) throw new Error('the engine loop ended by itself');
        resolve();
      },
      { once: true },
    );
  });
  const pumpOnce = async () => {
    let work = await notifier.runOnce();
    for (const worker of workers) work += await worker.runOnce();
    return work;
  };
  supervisor.run('outbox', async (tick, signal) => {
    while (!signal.aborted) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      tick();
      if ((await pumpOnce()) === 0) await bell.wait(IDLE_POLL_MS, signal);
    }
  });
  supervisor.run(
    'digest',
    async (tick, signal) => {
      while (!signal.aborted) {
        await digests.tick();
        tick();
        await clock.sleep(DIGEST_POLL_MS, signal);
      }
    },
    { staleAfterMs: 4 * DIGEST_POLL_MS },
  );
  // Maintenance on a beat of its own: approval requests whose time is up end (their posts say
  // so); ids of chat events and webhook deliveries past every retry window are forgotten.
  supervisor.run(
    'maintenance',
    async (tick, signal) => {
      while (!signal.aborted) {
        await dispatcher.sweep();
        await db.dedup.forget(new Date(clock.now().getTime() - DELIVERY_IDS_KEEP_MS));
        tick();
        await clock.sleep(SWEEP_EVERY_MS, signal);
      }
    },
    { staleAfterMs: 4 * SWEEP_EVERY_MS },
  );
  log.info(
    { port, platforms, webhook: Boolean(settings.DROVER_WEBHOOK_SECRET) },
    `drover serving on :${port} (${platforms.join(', ')}${settings.DROVER_WEBHOOK_SECRET ? ', deploy webhook' : ''})`,
  );

  return {
    port,
    runtime,
    server,
    workers,
    supervisor,
    health,
    async stop(graceMs = settings.DROVER_SHUTDOWN_GRACE) {
      closing = true;
      health.hold('drover', 'shutting down');
      const driving = runtime.engine.driving();
      log.info({ driving, graceMs }, 'shutting down: no new commands; phases in flight finish');
      engineStop.abort();
      const finished = await Promise.race([engineDone.then(() => true), delay(graceMs).then(() => false)]);
      if (!finished)
        log.warn(
          { driving: runtime.engine.driving() },
          'phases still running after the grace period; leaving them',
        );
      await supervisor.stop();
      log.debug('loops stopped; flushing the outbox');
      await flush(pumpOnce, FLUSH_MS, log);
      await slack?.stop();
      await discord?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      log.debug('platforms and HTTP closed; closing the database');
      await runtime.close();
      log.info('stopped');
    },
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** While the process shuts down, every command is answered with a short refusal. */
function refusingWhenClosing(dispatcher: Dispatcher, closing: () => boolean): Dispatcher {
  return {
    ...dispatcher,
    handle: (actor, input, context) =>
      closing()
        ? Promise.resolve({
            ok: false,
            ephemeral: true,
            text: 'drover is restarting; try again in a few seconds',
          })
        : dispatcher.handle(actor, input, context),
  };
}

/** Delivers what is due, for up to `withinMs`. */
async function flush(pumpOnce: () => Promise<number>, withinMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + withinMs;
  try {
    while (Date.now() < deadline && (await pumpOnce()) > 0);
  } catch (error) {
    log.warn({ err: error }, 'the outbox could not be flushed; the next drover process delivers it');
  }
}

// Slack through @slack/bolt in HTTP mode at POST /slack/events (Bolt checks every
// signature): `/upgrade` answered within Slack's 3 s, buttons, and `ack` replies in a failure
// post's thread. Retried events are handled once (deduplicated by event id). With an app-level
// token it uses Socket Mode instead (for installs Slack cannot reach): same listeners.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { ActorContext } from '../../bot/auth.js';
import { commandForButton } from '../../bot/buttons.js';
import type { Dispatcher, Reply } from '../../bot/dispatch.js';
import { clip, SLACK } from '../../bot/limits.js';
import type { ButtonAction } from '../../bot/model.js';
import type { ChatTransport, Dedup, Outbox } from '../../bot/ports.js';
import type { Clock } from '../../engine/ports.js';
import type { Actor } from '../../engine/types.js';
import { DROVER_ACTION, guardSlackRequest } from './guard.js';
import { createSlackTransport } from './transport.js';

export interface SlackAppOptions {
  token: string;
  signingSecret: string;
  /** The Web API base ending in /api/ (SLACK_API_URL). */
  apiUrl?: string | undefined;
  /** An app-level token (`xapp-…`): Socket Mode instead of HTTP; `start()` connects. */
  appToken?: string | undefined;
  /** The workspace drover serves (SLACK_TEAM_ID); default: the bot token's, from auth.test. */
  teamId?: string | undefined;
  dispatcher: Dispatcher;
  outbox: Outbox;
  dedup: Dedup;
  clock: Clock;
  /** Retries inside the Web API client; the outbox retries deliveries itself. */
  retries?: number;
  onError?: (error: unknown) => void;
  /** Where Bolt's own log lines go (default: errors only, on Bolt's console logger). */
  logger?: BoltLogger;
}

export interface SlackApp {
  transport: ChatTransport;
  /** Serves POST /slack/events (in Socket Mode it answers 404: events come over the socket). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves once auth.test answered: the token works (rejects while Slack is unreachable). */
  ready(): Promise<void>;
  /** HTTP mode: auth.test has answered; Socket Mode: the socket is connected. */
  connected(): boolean;
  /** Socket Mode: opens the connection (HTTP mode: nothing to do, the server is mounted). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How long a command may take to be answered inline, in its ack. A slower one is acked with
 * WORKING at once and answered through its response_url when done: Slack allows 3 s for the
 * ack, but a busy process (a large upgrade, a slow database) would otherwise hold every ack
 * that long, and Slack retries or errors what it has not had acked.
 */
export const INLINE_ANSWER_MS = 200;
/** The ack of a command whose answer follows through its response_url. */
export const WORKING = 'working on it…';

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const clientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: options.retries ?? 0 },
    rejectRateLimitedCalls: true,
  };
  const http = options.appToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: options.signingSecret,
        endpoints: '/slack/events',
        unhandledRequestTimeoutMillis: 2500,
      });
  const logging = options.logger ? { logger: options.logger } : { logLevel: LogLevel.ERROR };
  const socket = options.appToken
    ? new SocketModeReceiver({
        appToken: options.appToken,
        ...logging,
        installerOptions: { clientOptions },
      })
    : undefined;
  let socketUp = false;
  socket?.client.on('connected', () => (socketUp = true));
  socket?.client.on('disconnected', () => (socketUp = false));
  socket?.client.on('reconnecting', () => (socketUp = false));
  const client = new webApi.WebClient(options.token, clientOptions);
  // Who the bot is, asked once it answers: Slack unreachable at start only delays it (Bolt's
  // own start-up auth.test would fail once and for good).
  let identity: Promise<{ botId: string; botUserId: string }> | undefined;
  let known = false;
  const whoAmI = () => {
    identity ??= client.auth.test().then(
      (answer) => {
        known = true;
        return { botId: answer.bot_id ?? '', botUserId: answer.user_id ?? '' };
      },
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    );
    return identity;
  };
  const app = new App({
    receiver: (http ?? socket)!,
    authorize: async () => ({ botToken: options.token, ...(await whoAmI()) }),
    ...logging,
    clientOptions,
  });
  const { dispatcher, outbox } = options;
  const actorOf = (id: string, name: string | undefined): Actor => ({
    id: `slack:${id}`,
    platform: 'slack',
    name: name ?? id,
  });
  const report = (error: unknown) => options.onError?.(error);
  let team = options.teamId;
  const learnTeam = client.auth.test().then(
    (answer) => {
      team ??= typeof answer.team_id === 'string' ? answer.team_id : undefined;
    },
    (error: unknown) => report(error),
  );
  /** Where a request came from: its team and channel, a DM or not. */
  const contextOf = async (from: {
    team?: string | undefined;
    channel?: string | undefined;
  }): Promise<ActorContext> => {
    // The first requests may come before auth.test has answered: wait for it (it settles either way).
    if (team === undefined) await learnTeam;
    return {
      origin: {
        platform: 'slack',
        team: from.team,
        expectedTeam: team,
        channel: from.channel,
        direct: from.channel?.startsWith('D') ?? false,
      },
    };
  };

  app.command('/upgrade', async ({ command, ack, respond }) => {
    // Learning the served workspace (auth.test) counts against the inline budget too.
    const work = contextOf({ team: command.team_id, channel: command.channel_id }).then((context) =>
      dispatcher.handle(actorOf(command.user_id, command.user_name), command.text, context),
    );
    const early = await Promise.race([
      work,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), INLINE_ANSWER_MS).unref()),
    ]);
    if (early) {
      await ack({ response_type: 'ephemeral', text: clip(early.text, SLACK.text) });
      return;
    }
    await ack({ response_type: 'ephemeral', text: WORKING });
    const reply: Reply = await work;
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: clip(reply.text, SLACK.text),
    });
  });

  app.action(DROVER_ACTION, async ({ action, body, ack, respond }) => {
    await ack();
    const button = action as { type: string; action_id: string; value?: string };
    if (button.type !== 'button') return;
    const request = commandForButton(
      button.action_id.replace('drover_', '') as ButtonAction,
      button.value ?? '',
    );
    if (!request) return;
    const from = body as { team?: { id?: string } | null; channel?: { id?: string } };
    const reply = await dispatcher.handle(
      actorOf(body.user.id, (body.user as { name?: string }).name),
      request,
      await contextOf({ team: from.team?.id ?? undefined, channel: from.channel?.id }),
    );
    if (!reply.ok || reply.ephemeral)
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: clip(reply.text, SLACK.text),
      });
  });

  app.event('message', async ({ event, body, client }) => {
    const message = event as {
      channel: string;
      user?: string;
      text?: string;
      ts: string;
      thread_ts?: string;
      subtype?: string;
      bot_id?: string;
    };
    if (
      message.subtype ||
      message.bot_id ||
      !message.user ||
      !message.thread_ts ||
      message.thread_ts === message.ts
    )
      return;
    const match = /^\s*ack\b\s*(.*)$/is.exec(message.text ?? '');
    if (!match) return;
    const eventId = (body as { event_id?: string }).event_id;
    if (eventId && !(await options.dedup.firstSeen('slack', eventId, options.clock.now()))) return;
    const parent = await outbox.byRef('slack', message.channel, message.thread_ts);
    const failure = parent?.key.match(/^failure:(\d+)$/)?.[1];
    if (!failure) return;
    const note = match[1]?.trim();
    const reply = await dispatcher.handle(
      actorOf(message.user, undefined),
      { verb: 'ack', failure: Number(failure), ...(note ? { note } : {}) },
      await contextOf({ team: (body as { team_id?: string }).team_id, channel: message.channel }),
    );
    if (!reply.ok)
      await client.chat.postEphemeral({
        channel: message.channel,
        user: message.user,
        thread_ts: message.thread_ts,
        text: clip(reply.text, SLACK.text),
      });
  });

  app.error(async (error) => report(error));

  return {
    transport: createSlackTransport(client),
    handle: (req, res) => {
      if (http)
        guardSlackRequest(
          req,
          res,
          { signingSecret: options.signingSecret, now: () => options.clock.now() },
          http.requestListener,
        );
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('Slack runs in Socket Mode here\n');
    },
    async ready() {
      await whoAmI();
      await learnTeam;
    },
    connected: () => (socket ? socketUp : known),
    async start() {
      if (socket) await socket.client.start();
    },
    async stop() {
      if (socket) await socket.client.disconnect();
    },
  };
}

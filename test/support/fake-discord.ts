// A fake Discord on 127.0.0.1 that the real discord.js client talks to: the REST API under
// /api/v10 (applying writes to in-memory channels, messages, threads and commands) and a JSON
// gateway WebSocket (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay of
// what a dropped connection missed). Helpers dispatch what users do: slash commands, button
// clicks, thread messages.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type BotUser,
  type FakeChannel,
  type FakeMessage,
  guildJson,
  memberJson,
  messageJson,
  snowflake,
  userMessageJson,
} from './fake-discord-payloads.js';
import { type FakeInteraction, type RestState, route } from './fake-discord-rest.js';

export { type FakeMessage, snowflake } from './fake-discord-payloads.js';
export type { FakeInteraction } from './fake-discord-rest.js';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeDiscordOptions {
  applicationId?: string;
  guildId?: string;
  channels?: string[];
  /** Role ids that exist in the guild (a member's roles are resolved against them). */
  roles?: string[];
  /** The bot token REST and IDENTIFY accept (default: any). */
  token?: string;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}) {
  const applicationId = options.applicationId ?? '1000000000000000001';
  const guildId = options.guildId ?? '1000000000000000002';
  const botUser: BotUser = {
    id: applicationId,
    username: 'drover',
    discriminator: '0',
    global_name: null,
    avatar: null,
    bot: true,
  };
  const channels = new Map<string, FakeChannel>();
  for (const id of options.channels ?? ['1122334455667788']) channels.set(id, { id, type: 0, messages: [] });
  const commands = new Map<string, Array<Record<string, unknown>>>();
  const interactions = new Map<string, FakeInteraction>();
  const requests: RecordedRequest[] = [];
  /** Failures to answer the next channel writes with (rate limits, outages). */
  const failures: Array<{ status: number; retryAfter?: number }> = [];
  const sockets = new Set<WebSocket>();
  /** Every dispatch of the session, for RESUME replays. */
  const sent: Array<{ s: number; t: string; d: unknown }> = [];
  let seq = 0;
  const sessionId = `session-${snowflake()}`;
  let identifies = 0;
  let resumes = 0;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const wake of [...waiters]) wake();
  };

  const dispatch = (t: string, d: unknown) => {
    seq += 1;
    sent.push({ s: seq, t, d });
    for (const socket of sockets) socket.send(JSON.stringify({ op: 0, t, s: seq, d }));
  };

  const rest: RestState = {
    applicationId,
    guildId,
    botUser,
    port: () => port,
    channels,
    commands,
    interactions,
    dispatch,
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const method = req.method ?? 'GET';
      const parts = url.pathname
        .replace(/^\/api\/v10\//, '')
        .split('/')
        .filter(Boolean)
        .map(decodeURIComponent);
      requests.push({ method, path: `/${parts.join('/')}`, body: raw ? body : undefined });
      const auth = req.headers.authorization;
      if (
        options.token &&
        auth !== `Bot ${options.token}` &&
        parts[0] !== 'interactions' &&
        parts[0] !== 'webhooks'
      ) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: '401: Unauthorized', code: 0 }));
        changed();
        return;
      }
      const failure = parts[0] === 'channels' && method !== 'GET' ? failures.shift() : undefined;
      if (failure) {
        const limited = failure.status === 429;
        const retryAfter = failure.retryAfter ?? 1;
        res.writeHead(failure.status, {
          'content-type': 'application/json',
          ...(limited
            ? {
                'retry-after': String(retryAfter),
                'x-ratelimit-scope': 'user',
                'x-ratelimit-global': 'false',
              }
            : {}),
        });
        res.end(
          JSON.stringify(
            limited
              ? { message: 'You are being rate limited.', retry_after: retryAfter, global: false, code: 0 }
              : { message: 'fake outage', code: 0 },
          ),
        );
        changed();
        return;
      }
      const [status, answer] = route(rest, method, parts, body, url.searchParams);
      res.writeHead(status, answer === undefined ? {} : { 'content-type': 'application/json' });
      res.end(answer === undefined ? undefined : JSON.stringify(answer));
      changed();
    });
  });

  const wss = new WebSocketServer({ server, path: '/gateway' });
  wss.on('connection', (socket) => {
    const send = (payload: unknown) => socket.send(JSON.stringify(payload));
    send({ op: 10, d: { heartbeat_interval: 41_250 } });
    socket.on('message', (data) => {
      const payload = JSON.parse(String(data)) as { op: number; d: Record<string, unknown> | number | null };
      if (payload.op === 1) send({ op: 11 });
      if (payload.op === 2) {
        identifies += 1;
        if (options.token && (payload.d as { token?: string }).token !== options.token) {
          socket.close(4004, 'Authentication failed.');
          return;
        }
        sockets.add(socket);
        dispatch('READY', {
          v: 10,
          user: botUser,
          guilds: [{ id: guildId, unavailable: true }],
          session_id: sessionId,
          resume_gateway_url: `ws://127.0.0.1:${port}/gateway`,
          shard: [0, 1],
          application: { id: applicationId, flags: 0 },
        });
        dispatch('GUILD_CREATE', guildJson(guildId, channels.values(), options.roles ?? []));
      }
      if (payload.op === 6) {
        resumes += 1;
        const after = Number((payload.d as { seq?: number }).seq ?? 0);
        for (const event of sent.filter((e) => e.s > after))
          send({ op: 0, t: event.t, s: event.s, d: event.d });
        sockets.add(socket);
        seq += 1;
        send({ op: 0, t: 'RESUMED', s: seq, d: {} });
      }
      changed();
    });
    socket.on('close', () => {
      sockets.delete(socket);
      changed();
    });
  });

  const newInteraction = (
    type: 2 | 3,
    user: { id: string; roles?: string[] },
    channelId: string,
    data: Record<string, unknown>,
    message?: FakeMessage,
    direct = false,
  ): FakeInteraction => {
    const interaction: FakeInteraction = {
      id: snowflake(),
      token: `token-${snowflake()}`,
      callbacks: [],
      ephemeral: false,
      original: undefined,
      followUps: [],
      deleted: false,
    };
    interactions.set(interaction.id, interaction);
    // In a direct message with the bot there is no guild and no member: the user comes alone.
    const where = direct
      ? {
          channel_id: channelId,
          channel: { id: channelId, type: 1 },
          user: memberJson(user.id, []).user,
          authorizing_integration_owners: { '1': user.id },
          context: 1,
        }
      : {
          guild_id: guildId,
          channel_id: channelId,
          channel: { id: channelId, type: 0, guild_id: guildId },
          member: memberJson(user.id, user.roles ?? []),
          guild_locale: 'en-US',
          authorizing_integration_owners: { '0': guildId },
          context: 0,
        };
    dispatch('INTERACTION_CREATE', {
      id: interaction.id,
      application_id: applicationId,
      type,
      token: interaction.token,
      version: 1,
      ...where,
      data,
      locale: 'en-US',
      app_permissions: '2248473465835073',
      entitlements: [],
      ...(message ? { message: messageJson(message, guildId, botUser) } : {}),
    });
    return interaction;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    applicationId,
    guildId,
    /** DISCORD_API_URL: the REST base without the version. */
    apiUrl: `http://127.0.0.1:${port}/api`,
    requests,
    commands: (scope = 'global') => commands.get(scope) ?? [],
    messages: (channelId: string) => channels.get(channelId)?.messages ?? [],
    channel: (id: string) => channels.get(id),
    interaction: (id: string) => interactions.get(id),
    get identifies() {
      return identifies;
    },
    get resumes() {
      return resumes;
    },
    get connected() {
      return sockets.size;
    },
    /** `/upgrade <sub> option=value…` as a user (with role ids) in a channel. */
    slash(
      user: { id: string; roles?: string[] },
      channelId: string,
      subcommand: string,
      values: Record<string, string | number | boolean> = {},
    ) {
      const typeOf = (v: unknown) => (typeof v === 'boolean' ? 5 : typeof v === 'number' ? 4 : 3);
      const options = Object.entries(values).map(([name, value]) => ({ name, type: typeOf(value), value }));
      return newInteraction(2, user, channelId, {
        id: '1',
        name: 'upgrade',
        type: 1,
        options: [{ name: subcommand, type: 1, options }],
      });
    },
    /** `/upgrade <sub> option=value…` as a user in a direct message with the bot. */
    slashInDm(
      user: { id: string },
      channelId: string,
      subcommand: string,
      values: Record<string, string | number | boolean> = {},
    ) {
      const options = Object.entries(values).map(([name, value]) => ({
        name,
        type: 3,
        value: String(value),
      }));
      const data = { id: '1', name: 'upgrade', type: 1, options: [{ name: subcommand, type: 1, options }] };
      return newInteraction(2, user, channelId, data, undefined, true);
    },
    /** A click on a button (by custom_id) of a message the bot posted. */
    click(user: { id: string; roles?: string[] }, message: FakeMessage, customId: string) {
      return newInteraction(3, user, message.channel_id, { custom_id: customId, component_type: 2 }, message);
    },
    /** A user's message in a channel or thread. */
    say(user: { id: string; roles?: string[] }, channelId: string, content: string) {
      const id = snowflake();
      dispatch('MESSAGE_CREATE', userMessageJson(id, channelId, guildId, user, content));
      return id;
    },
    /** The next `count` channel writes fail with `status` (429 with Retry-After seconds). */
    failNext(count: number, failure: { status: number; retryAfter?: number }) {
      for (let i = 0; i < count; i += 1) failures.push(failure);
    },
    /** Closes every gateway connection with a resumable code (4000). */
    disconnect() {
      for (const socket of sockets) socket.close(4000, 'fake Discord: dropped');
      sockets.clear();
    },
    /** Resolves when `probe` holds after some request or gateway traffic (bounded). */
    async until<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value) return value as NonNullable<T>;
        if (Date.now() > deadline) throw new Error(`fake Discord: timed out waiting for ${what}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 100);
          waiters.add(wake);
        });
      }
    },
    async close() {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

export type FakeDiscord = Awaited<ReturnType<typeof startFakeDiscord>>;

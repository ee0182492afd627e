// A fake Discord on 127.0.0.1 that the real discord.js client talks to: the REST API under
// /api/v10 (applying writes to in-memory channels, messages, threads and commands) and a JSON
// gateway WebSocket (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay of
// what a dropped connection missed). Helpers dispatch what users do: slash commands, button
// clicks, thread messages.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: Array<Record<string, unknown>>;
  components: Array<Record<string, unknown>>;
  edits: number;
  /** Set when the message came in through an interaction webhook. */
  flags?: number;
}

export interface FakeInteraction {
  id: string;
  token: string;
  /** Callback types in order: 4 reply, 5 deferred reply, 6 deferred update, 7 update. */
  callbacks: number[];
  ephemeral: boolean;
  original: FakeMessage | undefined;
  followUps: FakeMessage[];
  deleted: boolean;
}

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

let nextId = 1_300_000_000_000_000_000n;
export const snowflake = () => String(nextId++);

export async function startFakeDiscord(options: FakeDiscordOptions = {}) {
  const applicationId = options.applicationId ?? '1000000000000000001';
  const guildId = options.guildId ?? '1000000000000000002';
  const botUser = {
    id: applicationId,
    username: 'drover',
    discriminator: '0',
    global_name: null,
    avatar: null,
    bot: true,
  };
  const channels = new Map<
    string,
    { id: string; type: number; parent_id?: string; messages: FakeMessage[] }
  >();
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

  const messageJson = (m: FakeMessage) => ({
    id: m.id,
    channel_id: m.channel_id,
    guild_id: guildId,
    author: botUser,
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    timestamp: new Date().toISOString(),
    edited_timestamp: m.edits > 0 ? new Date().toISOString() : null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    pinned: false,
    type: 0,
    flags: m.flags ?? 0,
  });
  const newMessage = (channelId: string, body: Record<string, unknown>): FakeMessage => ({
    id: snowflake(),
    channel_id: channelId,
    content: typeof body.content === 'string' ? body.content : '',
    embeds: (body.embeds as FakeMessage['embeds']) ?? [],
    components: (body.components as FakeMessage['components']) ?? [],
    edits: 0,
    ...(typeof body.flags === 'number' ? { flags: body.flags } : {}),
  });
  const edit = (m: FakeMessage, body: Record<string, unknown>) => {
    if ('content' in body) m.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body) m.embeds = (body.embeds as FakeMessage['embeds']) ?? [];
    if ('components' in body) m.components = (body.components as FakeMessage['components']) ?? [];
    m.edits += 1;
  };
  const threadJson = (id: string, parentId: string, name: string) => ({
    id,
    guild_id: guildId,
    parent_id: parentId,
    type: 11,
    name,
    owner_id: applicationId,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: false,
    },
    member_count: 1,
    message_count: 0,
  });

  const dispatch = (t: string, d: unknown) => {
    seq += 1;
    sent.push({ s: seq, t, d });
    for (const socket of sockets) socket.send(JSON.stringify({ op: 0, t, s: seq, d }));
  };

  function route(
    method: string,
    parts: string[],
    body: Record<string, unknown>,
    query: URLSearchParams,
  ): [number, unknown] {
    const [first, a, b, c, d] = parts;
    if (first === 'gateway' && a === 'bot')
      return [
        200,
        {
          url: `ws://127.0.0.1:${port}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
        },
      ];
    if (first === 'users' && a === '@me') return [200, botUser];
    if (first === 'applications' && (b === 'commands' || (b === 'guilds' && d === 'commands'))) {
      const scope = b === 'guilds' ? `guild:${c}` : 'global';
      const list = commands.get(scope) ?? [];
      const withIds = (command: Record<string, unknown>) => ({
        id: snowflake(),
        application_id: applicationId,
        version: snowflake(),
        type: 1,
        ...command,
      });
      if (method === 'GET') return [200, list];
      if (method === 'PUT') {
        const next = (body as unknown as Array<Record<string, unknown>>).map(withIds);
        commands.set(scope, next);
        return [200, next];
      }
      if (method === 'POST') {
        const created = withIds(body);
        commands.set(scope, [...list.filter((existing) => existing.name !== body.name), created]);
        return [201, created];
      }
    }
    if (first === 'channels' && a) {
      const channel = channels.get(a);
      if (!channel) return [404, { message: 'Unknown Channel', code: 10003 }];
      if (b === 'messages' && !c && method === 'POST') {
        const message = newMessage(a, body);
        channel.messages.push(message);
        return [200, messageJson(message)];
      }
      if (b === 'messages' && c && !d) {
        const message = channel.messages.find((m) => m.id === c);
        if (!message) return [404, { message: 'Unknown Message', code: 10008 }];
        if (method === 'PATCH') edit(message, body);
        return [200, messageJson(message)];
      }
      if ((b === 'messages' && c && d === 'threads') || (b === 'threads' && !c)) {
        // A thread started on a message has the message's id, as on Discord.
        const id = b === 'messages' ? c! : snowflake();
        if (channels.has(id))
          return [400, { message: 'A thread has already been created for this message', code: 160004 }];
        channels.set(id, { id, type: 11, parent_id: a, messages: [] });
        const thread = threadJson(id, a, String(body.name ?? 'thread'));
        dispatch('THREAD_CREATE', { ...thread, newly_created: true });
        return [201, thread];
      }
    }
    if (first === 'interactions' && a && b && c === 'callback') {
      const interaction = interactions.get(a);
      if (!interaction || interaction.token !== b)
        return [404, { message: 'Unknown interaction', code: 10062 }];
      if (interaction.callbacks.length > 0)
        return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
      const type = Number(body.type);
      const data = (body.data ?? {}) as Record<string, unknown>;
      interaction.callbacks.push(type);
      interaction.ephemeral = ((Number(data.flags) || 0) & 64) !== 0;
      if (type === 4 || type === 5) interaction.original = newMessage(interaction.id, data);
      return query.get('with_response') === 'true'
        ? [200, { interaction: { id: a, type: 2 } }]
        : [204, undefined];
    }
    if (first === 'webhooks' && a === applicationId && b) {
      const interaction = [...interactions.values()].find((i) => i.token === b);
      if (!interaction) return [404, { message: 'Unknown Webhook', code: 10015 }];
      if (c === 'messages' && d === '@original') {
        if (!interaction.original) return [404, { message: 'Unknown Message', code: 10008 }];
        if (method === 'DELETE') {
          interaction.deleted = true;
          return [204, undefined];
        }
        if (method === 'PATCH') edit(interaction.original, body);
        return [200, messageJson(interaction.original)];
      }
      if (!c && method === 'POST') {
        const message = newMessage(interaction.id, body);
        interaction.followUps.push(message);
        return [200, messageJson(message)];
      }
    }
    return [404, { message: `fake Discord: no route ${method} /${parts.join('/')}`, code: 0 }];
  }

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
      const [status, answer] = route(method, parts, body, url.searchParams);
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
        dispatch('GUILD_CREATE', guildJson());
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

  const guildJson = () => ({
    id: guildId,
    name: 'drover-lab',
    unavailable: false,
    owner_id: '1',
    member_count: 1,
    large: false,
    features: [],
    emojis: [],
    stickers: [],
    members: [],
    presences: [],
    voice_states: [],
    threads: [],
    joined_at: new Date().toISOString(),
    roles: [guildId, ...(options.roles ?? [])].map((id, position) => ({
      id,
      name: id === guildId ? '@everyone' : `role-${id}`,
      permissions: '0',
      position,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      flags: 0,
    })),
    channels: [...channels.values()]
      .filter((ch) => ch.type === 0)
      .map((ch, position) => ({
        id: ch.id,
        type: 0,
        name: `channel-${position}`,
        position,
        guild_id: guildId,
      })),
  });

  const member = (userId: string, roles: string[]) => ({
    user: {
      id: userId,
      username: `user${userId}`,
      discriminator: '0',
      global_name: `User ${userId}`,
      avatar: null,
    },
    roles,
    joined_at: new Date().toISOString(),
    deaf: false,
    mute: false,
    flags: 0,
    permissions: '2248473465835073',
  });

  const newInteraction = (
    type: 2 | 3,
    user: { id: string; roles?: string[] },
    channelId: string,
    data: Record<string, unknown>,
    message?: FakeMessage,
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
    dispatch('INTERACTION_CREATE', {
      id: interaction.id,
      application_id: applicationId,
      type,
      token: interaction.token,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel: { id: channelId, type: 0, guild_id: guildId },
      member: member(user.id, user.roles ?? []),
      data,
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: '2248473465835073',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
      ...(message ? { message: messageJson(message) } : {}),
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
    /** A click on a button (by custom_id) of a message the bot posted. */
    click(user: { id: string; roles?: string[] }, message: FakeMessage, customId: string) {
      return newInteraction(3, user, message.channel_id, { custom_id: customId, component_type: 2 }, message);
    },
    /** A user's message in a channel or thread. */
    say(user: { id: string; roles?: string[] }, channelId: string, content: string) {
      const id = snowflake();
      dispatch('MESSAGE_CREATE', {
        id,
        channel_id: channelId,
        guild_id: guildId,
        author: {
          id: user.id,
          username: `user${user.id}`,
          discriminator: '0',
          global_name: null,
          avatar: null,
        },
        member: {
          roles: user.roles ?? [],
          joined_at: new Date().toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
        },
        content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 0,
      });
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

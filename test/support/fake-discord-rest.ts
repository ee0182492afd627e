// The fake Discord's REST API: applies each request to the in-memory state and answers as
// Discord would (status, JSON). Threads created here are announced on the gateway.
import {
  type BotUser,
  editMessage,
  type FakeChannel,
  type FakeMessage,
  messageJson,
  newMessage,
  snowflake,
  threadJson,
} from './fake-discord-payloads.js';
import { discordErrors } from './platform-rules.js';

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

export interface RestState {
  applicationId: string;
  guildId: string;
  botUser: BotUser;
  port: () => number;
  channels: Map<string, FakeChannel>;
  commands: Map<string, Array<Record<string, unknown>>>;
  interactions: Map<string, FakeInteraction>;
  dispatch: (t: string, d: unknown) => void;
}

export function route(
  state: RestState,
  method: string,
  parts: string[],
  body: Record<string, unknown>,
  query: URLSearchParams,
): [number, unknown] {
  const { applicationId, guildId, botUser, channels, commands, interactions, dispatch } = state;
  const port = state.port();
  const [first, a, b, c, d] = parts;
  // Over-limit message bodies are refused as Discord refuses them: 400, code 50035.
  const writes = (first === 'channels' && b === 'messages' && !d) || first === 'webhooks';
  const message = first === 'interactions' ? (body.data as Record<string, unknown> | undefined) : body;
  const invalid =
    (writes || first === 'interactions') && method !== 'GET' && message ? discordErrors(message) : undefined;
  if (invalid) return [400, { code: 50035, message: 'Invalid Form Body', errors: invalid }];
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
      // enforce_nonce: a nonce seen before (from the same author) returns that message.
      const again =
        body.enforce_nonce === true && typeof body.nonce === 'string'
          ? channel.messages.find((m) => m.nonce === body.nonce)
          : undefined;
      if (again) return [200, messageJson(again, guildId, botUser)];
      const message = newMessage(a, body);
      channel.messages.push(message);
      return [200, messageJson(message, guildId, botUser)];
    }
    if (b === 'messages' && c && !d) {
      const message = channel.messages.find((m) => m.id === c);
      if (!message) return [404, { message: 'Unknown Message', code: 10008 }];
      if (method === 'PATCH') editMessage(message, body);
      return [200, messageJson(message, guildId, botUser)];
    }
    if ((b === 'messages' && c && d === 'threads') || (b === 'threads' && !c)) {
      // A thread started on a message has the message's id, as on Discord.
      const id = b === 'messages' ? c! : snowflake();
      if (channels.has(id))
        return [400, { message: 'A thread has already been created for this message', code: 160004 }];
      channels.set(id, { id, type: 11, parent_id: a, messages: [] });
      const thread = threadJson(id, a, String(body.name ?? 'thread'), guildId, applicationId);
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
      if (method === 'PATCH') editMessage(interaction.original, body);
      return [200, messageJson(interaction.original, guildId, botUser)];
    }
    if (!c && method === 'POST') {
      const message = newMessage(interaction.id, body);
      interaction.followUps.push(message);
      return [200, messageJson(message, guildId, botUser)];
    }
  }
  return [404, { message: `fake Discord: no route ${method} /${parts.join('/')}`, code: 0 }];
}

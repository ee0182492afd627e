// The JSON shapes the fake Discord sends: messages, threads, the guild, members. Shaped
// like Discord's so discord.js builds its structures from them.
export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: Array<Record<string, unknown>>;
  components: Array<Record<string, unknown>>;
  edits: number;
  /** Set when the message came in through an interaction webhook. */
  flags?: number;
  /** The nonce it was posted with. */
  nonce?: string;
}

export interface FakeChannel {
  id: string;
  type: number;
  parent_id?: string;
  messages: FakeMessage[];
}

export interface BotUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: null;
  avatar: null;
  bot: true;
}

let nextId = 1_300_000_000_000_000_000n;
export const snowflake = () => String(nextId++);

export function messageJson(m: FakeMessage, guildId: string, author: BotUser) {
  return {
    id: m.id,
    channel_id: m.channel_id,
    guild_id: guildId,
    author,
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
  };
}

export function newMessage(channelId: string, body: Record<string, unknown>): FakeMessage {
  return {
    id: snowflake(),
    channel_id: channelId,
    content: typeof body.content === 'string' ? body.content : '',
    embeds: (body.embeds as FakeMessage['embeds']) ?? [],
    components: (body.components as FakeMessage['components']) ?? [],
    edits: 0,
    ...(typeof body.flags === 'number' ? { flags: body.flags } : {}),
    ...(typeof body.nonce === 'string' ? { nonce: body.nonce } : {}),
  };
}

/** Applies a PATCH body to a message. */
export function editMessage(m: FakeMessage, body: Record<string, unknown>): void {
  if ('content' in body) m.content = typeof body.content === 'string' ? body.content : '';
  if ('embeds' in body) m.embeds = (body.embeds as FakeMessage['embeds']) ?? [];
  if ('components' in body) m.components = (body.components as FakeMessage['components']) ?? [];
  m.edits += 1;
}

export function threadJson(id: string, parentId: string, name: string, guildId: string, ownerId: string) {
  return {
    id,
    guild_id: guildId,
    parent_id: parentId,
    type: 11,
    name,
    owner_id: ownerId,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: false,
    },
    member_count: 1,
    message_count: 0,
  };
}

export function guildJson(guildId: string, channels: Iterable<FakeChannel>, roles: string[]) {
  return {
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
    roles: [guildId, ...roles].map((id, position) => ({
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
    channels: [...channels]
      .filter((ch) => ch.type === 0)
      .map((ch, position) => ({
        id: ch.id,
        type: 0,
        name: `channel-${position}`,
        position,
        guild_id: guildId,
      })),
  };
}

export function memberJson(userId: string, roles: string[]) {
  return {
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
  };
}

/** A user's message (MESSAGE_CREATE). */
export function userMessageJson(
  id: string,
  channelId: string,
  guildId: string,
  user: { id: string; roles?: string[] },
  content: string,
) {
  return {
    id,
    channel_id: channelId,
    guild_id: guildId,
    author: { id: user.id, username: `user${user.id}`, discriminator: '0', global_name: null, avatar: null },
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
  };
}

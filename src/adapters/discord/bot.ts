// Discord through the discord.js gateway client: `/upgrade` subcommands and buttons answered
// within Discord's 3 s (deferred, then edited), `ack` messages in a failure post's thread, and
// the ChatTransport the outbox worker delivers through. Authorization is by Discord user id
// and the member's role ids, decided by the bot's dispatcher.
import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  REST,
} from 'discord.js';
import type { ActorContext } from '../../bot/auth.js';
import { commandForButton } from '../../bot/buttons.js';
import type { Dispatcher, Reply } from '../../bot/dispatch.js';
import { clip, DISCORD, fitEscaped } from '../../bot/limits.js';
import type { ChatTransport, Dedup, Outbox } from '../../bot/ports.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../engine/log.js';
import type { Clock } from '../../engine/ports.js';
import type { Actor } from '../../engine/types.js';
import { systemClock } from '../clock.js';
import { registerCommands, requestFromOptions } from './commands.js';
import { escapeCode, parseCustomId } from './embeds.js';
import { createDiscordTransport } from './transport.js';

export interface DiscordBotOptions {
  token: string;
  applicationId: string;
  /** The REST base without the version (DISCORD_API_URL), e.g. http://host/api. */
  apiUrl?: string | undefined;
  dispatcher: Dispatcher;
  outbox: Outbox;
  dedup: Dedup;
  config: Config;
  clock?: Clock;
  /** Registers `/upgrade` at start when missing or different (default true). */
  register?: boolean;
  /** Registers for one guild instead of globally. */
  guildId?: string | undefined;
  /** How long start() waits for the gateway's READY (default 30 s). */
  readyTimeoutMs?: number;
  onError?: (error: unknown) => void;
  /** Where discord.js's warnings and debug lines go (`lib: "discord.js"`). */
  logger?: Logger;
}

export interface DiscordBot {
  transport: ChatTransport;
  /** Registers the command (unless told not to), logs in, resolves once the gateway is ready. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Connected to the gateway now. */
  ready(): boolean;
}

/** Verbs whose answer is for the asker only, whoever asks. */
const PRIVATE_VERBS = new Set(['help', 'plan', 'status']);
const ACK_LINE = /^\s*ack\b\s*(.*)$/is;

export function createDiscordBot(options: DiscordBotOptions): DiscordBot {
  const { dispatcher, outbox, dedup, config } = options;
  const clock = options.clock ?? systemClock;
  const report = (error: unknown) => options.onError?.(error);
  const api = options.apiUrl ? { api: options.apiUrl } : {};
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { ...api },
  });
  // Deliveries fail fast on a rate limit or an outage: the outbox retries them, durably.
  const rest = new REST({ ...api, retries: 0, rejectOnRateLimit: () => true }).setToken(options.token);
  let connected = false;

  const actorOf = (
    user: { id: string; username: string; globalName?: string | null },
    displayName?: string,
  ): Actor => {
    const person = config.people.find((p) => p.discord === user.id);
    return {
      id: `discord:${user.id}`,
      platform: 'discord',
      name: person?.name ?? displayName ?? user.globalName ?? user.username,
    };
  };
  const rolesOf = (member: unknown): string[] => {
    const roles = (member as { roles?: unknown } | null)?.roles;
    if (Array.isArray(roles)) return roles.filter((id): id is string => typeof id === 'string');
    const cache = (roles as { cache?: Map<string, unknown> } | undefined)?.cache;
    return cache ? [...cache.keys()] : [];
  };
  // A reply within Discord's content limit; a multi-line one in a code block that stays closed.
  const text = (reply: Reply) =>
    reply.text.includes('\n')
      ? `\`\`\`\n${fitEscaped(reply.text, DISCORD.content - 8, escapeCode)}\n\`\`\``
      : clip(reply.text, DISCORD.content);
  const NO_PINGS = { parse: [] as never[] };

  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const verb = interaction.options.getSubcommand(false) ?? 'help';
    const input = requestFromOptions(verb, (name) => interaction.options.get(name)?.value ?? null);
    const member = interaction.member as { displayName?: string; nick?: string | null } | null;
    const actor = actorOf(interaction.user, member?.displayName ?? member?.nick ?? undefined);
    const context: ActorContext = {
      discordRoles: rolesOf(interaction.member),
      origin: { platform: 'discord', channel: interaction.channelId, direct: !interaction.inGuild() },
    };
    const privately = PRIVATE_VERBS.has(verb) || !dispatcher.permits(actor, verb, context);
    await interaction.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {});
    let reply: Reply;
    try {
      reply = await dispatcher.handle(actor, input, context);
    } catch (error) {
      report(error);
      reply = { text: `drover could not do that: ${(error as Error).message}`, ephemeral: true, ok: false };
    }
    if (!privately && (!reply.ok || reply.ephemeral)) {
      // Errors are for the asker only: the public "thinking…" gives way to a private answer.
      await interaction.deleteReply();
      await interaction.followUp({
        content: text(reply),
        flags: MessageFlags.Ephemeral,
        allowedMentions: NO_PINGS,
      });
      return;
    }
    await interaction.editReply({ content: text(reply), allowedMentions: NO_PINGS });
  }

  async function onButton(interaction: ButtonInteraction): Promise<void> {
    const parsed = parseCustomId(interaction.customId);
    const request = parsed ? commandForButton(parsed.action, parsed.value) : undefined;
    if (!request) {
      await interaction.reply({
        content: 'this button is not one drover understands any more',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await interaction.deferUpdate();
    const member = interaction.member as { displayName?: string } | null;
    const actor = actorOf(interaction.user, member?.displayName);
    const reply = await dispatcher.handle(actor, request, {
      discordRoles: rolesOf(interaction.member),
      origin: { platform: 'discord', channel: interaction.channelId, direct: !interaction.inGuild() },
    });
    if (!reply.ok || reply.ephemeral)
      await interaction.followUp({
        content: text(reply),
        flags: MessageFlags.Ephemeral,
        allowedMentions: NO_PINGS,
      });
  }

  async function onMessage(message: Message): Promise<void> {
    if (message.author.bot || !message.channel.isThread() || !message.channel.parentId) return;
    const match = ACK_LINE.exec(message.content);
    if (!match) return;
    if (!(await dedup.firstSeen('discord', `message:${message.id}`, clock.now()))) return;
    const parent = await outbox.byRef('discord', message.channel.parentId, message.channelId);
    const failure = parent?.key.match(/^failure:(\d+)$/)?.[1];
    if (!failure) return;
    const note = match[1]?.trim();
    const actor = actorOf(message.author, message.member?.displayName);
    const reply = await dispatcher.handle(
      actor,
      { verb: 'ack', failure: Number(failure), ...(note ? { note: note.slice(0, 500) } : {}) },
      {
        discordRoles: rolesOf(message.member),
        origin: { platform: 'discord', channel: message.channel.parentId, direct: false },
      },
    );
    // The post's edit shows a successful ack; a refusal is said where the ack was typed.
    if (!reply.ok)
      await message.reply({ content: text(reply), allowedMentions: { parse: [], repliedUser: true } });
  }

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    void (async () => {
      if (!interaction.isChatInputCommand() && !interaction.isButton()) return;
      if (interaction.isChatInputCommand() && interaction.commandName !== 'upgrade') return;
      if (!(await dedup.firstSeen('discord', `interaction:${interaction.id}`, clock.now()))) return;
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else await onButton(interaction);
    })().catch(report);
  });
  client.on(Events.MessageCreate, (message) => {
    void onMessage(message).catch(report);
  });
  client.on(Events.ShardReady, () => (connected = true));
  client.on(Events.ShardResume, () => (connected = true));
  client.on(Events.ShardDisconnect, () => (connected = false));
  client.on(Events.ShardReconnecting, () => (connected = false));
  client.on(Events.Error, report);
  const libLog = options.logger?.child({ lib: 'discord.js' });
  if (libLog) {
    client.on(Events.Warn, (message) => libLog.warn(message));
    client.on(Events.Debug, (message) => libLog.debug(message));
    client.rest.on('rateLimited', (info) => libLog.warn({ ...info }, 'rate limited'));
  }

  return {
    transport: createDiscordTransport({ rest, onError: report }),
    async start() {
      if (options.register !== false)
        await registerCommands({ rest, applicationId: options.applicationId, guildId: options.guildId });
      let timer: NodeJS.Timeout | undefined;
      const limit = options.readyTimeoutMs ?? 30_000;
      const ready = new Promise<void>((resolve, reject) => {
        client.once(Events.ClientReady, () => resolve());
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `Discord: the gateway was not ready within ${limit / 1000} s; check DISCORD_TOKEN and DISCORD_API_URL`,
              ),
            ),
          limit,
        );
      });
      try {
        await client.login(options.token);
        await ready;
      } catch (error) {
        await client.destroy();
        throw error;
      } finally {
        clearTimeout(timer);
      }
      connected = true;
    },
    async stop() {
      connected = false;
      await client.destroy();
    },
    ready: () => connected && client.isReady(),
  };
}

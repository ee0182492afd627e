// Delivering outbox messages to Discord over REST: post once, edit by message id afterwards.
// The upgrade message and each failure post open a thread (its id is stored as threadRef, and
// on Discord equals the message's id); thread replies go into their parent's thread. Rate
// limits and outages become TransportErrors so the outbox retries them; any other 4xx is the
// message's fault (permanent). Posts carry a nonce derived from the channel and key with
// `enforce_nonce`, so a post repeated after a crash or timeout returns the message already made.
import { createHash } from 'node:crypto';
import { type REST, Routes } from 'discord.js';
import { clip, DISCORD } from '../../bot/limits.js';
import type { OutgoingMessage } from '../../bot/model.js';
import { type ChatTransport, type MessageRef, TransportError } from '../../bot/ports.js';
import { toDiscordBody } from './embeds.js';

/** Messages that get a thread for their replies: `upgrade:<id>`, `failure:<id>`. */
export const THREADED_KEY = /^(upgrade|failure):\d+$/;
const THREAD_EXISTS = 160004;

export interface DiscordTransportOptions {
  rest: REST;
  /** A thread that could not be opened with its message (it is opened with the first reply). */
  onError?: (error: unknown) => void;
}

export function createDiscordTransport(options: DiscordTransportOptions): ChatTransport {
  const { rest } = options;

  const openThread = async (channel: string, messageId: string, name: string): Promise<string> => {
    try {
      const thread = (await rest.post(Routes.threads(channel, messageId), {
        body: { name: clip(name, DISCORD.threadName), auto_archive_duration: 10080 },
      })) as { id: string };
      return thread.id;
    } catch (error) {
      if ((error as { code?: unknown }).code === THREAD_EXISTS) return messageId;
      throw error;
    }
  };

  return {
    platform: 'discord',
    async deliver(
      item: OutgoingMessage,
      existing: MessageRef | undefined,
      parent: MessageRef | undefined,
    ): Promise<MessageRef> {
      const body = toDiscordBody(item.message);
      try {
        if (item.threadOf && !parent)
          throw new TransportError(`the parent message ${item.threadOf} is not delivered yet`, 1000);
        const threadOf = parent
          ? (parent.threadRef ?? (await openThread(item.channel, parent.ref, item.threadOf ?? 'thread')))
          : undefined;
        const channel = threadOf ?? item.channel;
        if (existing) {
          await rest.patch(Routes.channelMessage(channel, existing.ref), { body });
          return existing;
        }
        const posted = (await rest.post(Routes.channelMessages(channel), {
          body: { ...body, nonce: nonceOf(item), enforce_nonce: true },
        })) as { id: string };
        let threadRef: string | null = null;
        if (!threadOf && THREADED_KEY.test(item.key)) {
          try {
            threadRef = await openThread(item.channel, posted.id, item.message.summary);
          } catch (error) {
            // The message is posted: failing now would post it twice. The first reply opens it.
            options.onError?.(error);
          }
        }
        return { platform: 'discord', channel: item.channel, key: item.key, ref: posted.id, threadRef };
      } catch (error) {
        throw asTransportError(error);
      }
    },
  };
}

/** Discord's nonce (at most 25 characters) for the first post of a key in a channel. */
export function nonceOf(item: { channel: string; key: string }): string {
  return createHash('sha256').update(`${item.channel}\u0000${item.key}`).digest('base64url').slice(0, 25);
}

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;

export function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // A RateLimitError (rest.rejectOnRateLimit) carries retryAfter in ms.
  const retryAfter = field(error, 'retryAfter');
  if (typeof retryAfter === 'number')
    return new TransportError(`Discord: ${message}`, retryAfter, { cause: error, code: 'rate limited' });
  const status = field(error, 'status');
  if (typeof status === 'number') {
    const code = field(error, 'code');
    const name =
      `Discord ${typeof code === 'number' ? code : status} ${field(field(error, 'rawError'), 'message') ?? ''}`.trim();
    return new TransportError(`Discord: ${message} (HTTP ${status})`, undefined, {
      cause: error,
      code: name,
      permanent: status >= 400 && status < 500 && status !== 429 && status !== 408,
      unsure: status >= 500,
    });
  }
  // Timeouts and lost connections: the post may have been made (the nonce makes a retry safe).
  return new TransportError(`Discord: ${message}`, undefined, { cause: error, unsure: true });
}

// Delivering outbox messages to Slack with the Web API: post once, edit by ts afterwards,
// thread replies under their parent's ts. Rate limits and outages become TransportErrors
// so the outbox retries them; the WebClient itself does not retry.
import { webApi } from '@slack/bolt';
import type { OutgoingMessage } from '../../bot/model.js';
import { type ChatTransport, type MessageRef, TransportError } from '../../bot/ports.js';
import { fallbackText, toBlocks } from './blocks.js';

type WebClient = webApi.WebClient;

/**
 * A Web API client for the transport: `apiUrl` is SLACK_API_URL (ending in /api/); no
 * retries inside the client and rate limits rejected, since the outbox retries deliveries.
 */
export function createSlackWebClient(token: string, apiUrl?: string): WebClient {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

export function createSlackTransport(client: WebClient): ChatTransport {
  return {
    platform: 'slack',
    async deliver(
      item: OutgoingMessage,
      existing: MessageRef | undefined,
      parent: MessageRef | undefined,
    ): Promise<MessageRef> {
      const content = {
        channel: item.channel,
        text: fallbackText(item.message),
        blocks: toBlocks(item.message) as never[],
      };
      try {
        if (existing) {
          await client.chat.update({ ...content, ts: existing.ref });
          return existing;
        }
        const posted = await client.chat.postMessage({
          ...content,
          ...(parent ? { thread_ts: parent.ref } : {}),
        });
        if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
        return { platform: 'slack', channel: item.channel, key: item.key, ref: posted.ts, threadRef: null };
      } catch (error) {
        throw asTransportError(error);
      }
    },
  };
}

export function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const e = error as { code?: string; retryAfter?: number; message?: string; data?: { error?: string } };
  const retryAfterMs =
    e.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number'
      ? e.retryAfter * 1000
      : undefined;
  return new TransportError(`Slack: ${e.data?.error ?? e.message ?? String(error)}`, retryAfterMs, {
    cause: error,
  });
}

// Delivering outbox messages to Slack with the Web API: post once, edit by ts afterwards,
// thread replies under their parent's ts. Every post carries its outbox key in the message's
// `metadata`, so a post whose outcome drover never learnt (a crash or a timeout mid-call) is
// found in the channel's history instead of being posted twice. Errors become TransportErrors:
// rate limits, outages and timeouts are retried; any other `ok:false` is the message's fault.
import { webApi } from '@slack/bolt';
import type { OutgoingMessage } from '../../bot/model.js';
import { type ChatTransport, type MessageRef, TransportError } from '../../bot/ports.js';
import { fallbackText, toBlocks } from './blocks.js';

type WebClient = webApi.WebClient;

/** The metadata event type of drover's messages; the payload is `{ key }`. */
export const METADATA_EVENT = 'drover_message';
/** `ok:false` errors that are Slack's trouble, not the message's: retried. */
const TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * A Web API client for the transport: `apiUrl` is SLACK_API_URL (ending in /api/); no
 * retries inside the client and rate limits rejected, since the outbox retries deliveries.
 */
export function createSlackWebClient(token: string, apiUrl?: string): WebClient {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

/** The ts of the message already posted for this key, looked up in recent history. */
async function findPosted(
  client: WebClient,
  item: OutgoingMessage,
  parent: MessageRef | undefined,
): Promise<string | undefined> {
  const answer = parent
    ? await client.conversations.replies({
        channel: item.channel,
        ts: parent.ref,
        include_all_metadata: true,
        limit: 200,
      })
    : await client.conversations.history({ channel: item.channel, include_all_metadata: true, limit: 100 });
  const found = (answer.messages ?? []).find(
    (m) => m.metadata?.event_type === METADATA_EVENT && field(m.metadata.event_payload, 'key') === item.key,
  );
  return found?.ts;
}

export function createSlackTransport(client: WebClient): ChatTransport {
  return {
    platform: 'slack',
    async deliver(item, existing, parent, options = {}): Promise<MessageRef> {
      const content = {
        channel: item.channel,
        text: fallbackText(item.message),
        blocks: toBlocks(item.message) as never[],
      };
      const ref = (ts: string): MessageRef => ({
        platform: 'slack',
        channel: item.channel,
        key: item.key,
        ref: ts,
        threadRef: null,
      });
      try {
        if (existing) {
          await client.chat.update({ ...content, ts: existing.ref });
          return existing;
        }
        if (options.unsure) {
          const ts = await findPosted(client, item, parent);
          if (ts) {
            // Posted by the earlier try, with the content of then: this content may be newer.
            await client.chat.update({ ...content, ts });
            return ref(ts);
          }
        }
        const posted = await client.chat.postMessage({
          ...content,
          ...(parent ? { thread_ts: parent.ref } : {}),
          metadata: { event_type: METADATA_EVENT, event_payload: { key: item.key } },
        });
        if (!posted.ts) throw new TransportError('chat.postMessage answered without a ts', undefined);
        return ref(posted.ts);
      } catch (error) {
        throw asTransportError(error);
      }
    },
  };
}

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;

export function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const code = field(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  const platform = field(field(error, 'data'), 'error');
  if (code === 'slack_webapi_rate_limited_error') {
    const after = field(error, 'retryAfter');
    return new TransportError(`Slack: ratelimited`, typeof after === 'number' ? after * 1000 : undefined, {
      cause: error,
      code: 'ratelimited',
    });
  }
  if (code === 'slack_webapi_platform_error' && typeof platform === 'string') {
    // invalid_blocks says where: "must be less than 2001 characters [json-pointer:/blocks/1/…]".
    const details = field(field(error, 'data'), 'errors');
    const where = Array.isArray(details) ? ` (${details.slice(0, 3).map(String).join('; ')})` : '';
    return new TransportError(`Slack: ${platform}${where}`, undefined, {
      cause: error,
      code: platform,
      permanent: !TRANSIENT.has(platform),
    });
  }
  if (code === 'slack_webapi_http_error') {
    const status = Number(field(error, 'statusCode'));
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    return new TransportError(`Slack: HTTP ${status}`, undefined, {
      cause: error,
      code: `HTTP ${status}`,
      permanent,
      unsure: status >= 500,
    });
  }
  // A request that failed on the way (timeout, connection lost) may have been posted.
  return new TransportError(`Slack: ${message}`, undefined, { cause: error, unsure: true });
}

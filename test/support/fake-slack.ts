// A fake Slack on 127.0.0.1: the Web API methods drover calls, applying posts and edits to
// real channel state (messages by ts, threads, metadata, history), able to answer 429, 500 or a
// platform error on demand, to hold a response in flight, and refusing over-limit messages as
// Slack does. The client that sends signed slash commands, events and button presses exactly
// as Slack does is slack-client.ts (re-exported here).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { slackErrors } from './platform-rules.js';

export { slackClient } from './slack-client.js';

export interface SlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** `{event_type, event_payload}`, as posted. */
  metadata?: unknown;
  edits: number;
}

export interface FakeSlack {
  apiUrl: string;
  calls: Array<{ method: string; body: Record<string, unknown> }>;
  messages: SlackMessage[];
  ephemeral: Array<{ channel: string; user: string; text: string }>;
  /** Replies sent to response_url, per command. */
  responses: Array<Record<string, unknown>>;
  /** The next `n` Web API calls answer this way (`error`: HTTP 200 `{ok:false, error}`). */
  failNext(n: number, how: { status: 429; retryAfter: number } | { status: 500 } | { error: string }): void;
  /**
   * The next call of `method` is carried out, but its answer is held until `release()` (a
   * response in flight when drover's process dies). `arrived` resolves once it came in.
   */
  holdNext(method: string): { arrived: Promise<void>; release(): void };
  /** Socket Mode: resolves once a client connected (after apps.connections.open). */
  socketConnected(): Promise<void>;
  /** Socket Mode: sends an envelope to the connected client; resolves with its ack's payload. */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown): Promise<unknown>;
  /** Answers every call with 503 until `up()` (an outage). */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: FakeSlack['calls'] = [];
  const messages: SlackMessage[] = [];
  const ephemeral: FakeSlack['ephemeral'] = [];
  const responses: FakeSlack['responses'] = [];
  let failures: Array<{ status?: number; retryAfter?: number; error?: string }> = [];
  const holds = new Map<string, { arrived: () => void; released: Promise<void> }>();
  const replies = new Map<string, Record<string, unknown>>();
  const replyWaiters = new Map<string, Array<(reply: Record<string, unknown>) => void>>();
  const replied = (path: string) =>
    new Promise<Record<string, unknown>>((resolve) =>
      replyWaiters.set(path, [...(replyWaiters.get(path) ?? []), resolve]),
    );
  let outage = false;
  let clock = 1_700_000_000;

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/response/')) {
      // GET: the reply sent to that response_url, once it came (what the asker sees next).
      if (req.method === 'GET') {
        const reply = replies.get(url.pathname) ?? (await replied(url.pathname));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
        return;
      }
      const reply = JSON.parse(raw || '{}');
      responses.push(reply);
      if (!replies.has(url.pathname)) replies.set(url.pathname, reply);
      for (const wake of replyWaiters.get(url.pathname) ?? []) wake(reply);
      replyWaiters.delete(url.pathname);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const body: Record<string, unknown> = (req.headers['content-type'] ?? '').includes('json')
      ? JSON.parse(raw || '{}')
      : Object.fromEntries(new URLSearchParams(raw));
    for (const key of ['blocks', 'attachments', 'metadata'])
      if (typeof body[key] === 'string') body[key] = JSON.parse(body[key] as string);
    calls.push({ method, body });
    let answer = (status: number, json: unknown, headers: Record<string, string> = {}): unknown =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
    if (outage) return answer(503, { ok: false, error: 'service_unavailable' });
    const failure = failures.shift();
    if (failure?.error) return answer(200, { ok: false, error: failure.error });
    if (failure?.status)
      return answer(
        failure.status,
        { ok: false, error: failure.status === 429 ? 'ratelimited' : 'internal_error' },
        failure.retryAfter ? { 'retry-after': String(failure.retryAfter) } : {},
      );
    // Over-limit messages are refused as Slack refuses them: ok:false, nothing posted.
    const refused = method === 'chat.postMessage' || method === 'chat.update' ? slackErrors(body) : undefined;
    if (refused) return answer(200, { ok: false, ...refused });
    const hold = holds.get(method);
    if (hold) {
      holds.delete(method);
      const respond = answer;
      answer = async (status, json, headers) => {
        hold.arrived();
        await hold.released;
        if (!res.destroyed) respond(status, json, headers);
      };
    }
    const withMetadata = (list: SlackMessage[]) =>
      list.map(({ metadata, ...m }) =>
        body.include_all_metadata === true || body.include_all_metadata === 'true' ? { ...m, metadata } : m,
      );
    switch (method) {
      case 'auth.test':
        return answer(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'drover' });
      case 'chat.postMessage': {
        clock += 1;
        const message: SlackMessage = {
          channel: String(body.channel),
          ts: `${clock}.000100`,
          text: String(body.text ?? ''),
          blocks: body.blocks as unknown[],
          edits: 0,
          ...(body.thread_ts ? { thread_ts: String(body.thread_ts) } : {}),
          ...(body.metadata ? { metadata: body.metadata } : {}),
        };
        messages.push(message);
        return answer(200, { ok: true, channel: message.channel, ts: message.ts, message });
      }
      case 'chat.update': {
        const message = messages.find((m) => m.channel === body.channel && m.ts === body.ts);
        if (!message) return answer(200, { ok: false, error: 'message_not_found' });
        message.text = String(body.text ?? '');
        message.blocks = body.blocks as unknown[];
        message.edits += 1;
        return answer(200, { ok: true, channel: message.channel, ts: message.ts });
      }
      case 'chat.postEphemeral':
        ephemeral.push({
          channel: String(body.channel),
          user: String(body.user),
          text: String(body.text ?? ''),
        });
        return answer(200, { ok: true, message_ts: `${clock}.000200` });
      case 'conversations.replies':
        return answer(200, {
          ok: true,
          messages: withMetadata(messages.filter((m) => m.ts === body.ts || m.thread_ts === body.ts)),
        });
      case 'conversations.history':
        // Newest first, top-level messages only (replies live in conversations.replies).
        return answer(200, {
          ok: true,
          messages: withMetadata(
            messages
              .filter((m) => m.channel === body.channel && !m.thread_ts)
              .reverse()
              .slice(0, Number(body.limit ?? 100)),
          ),
          has_more: false,
        });
      case 'apps.connections.open':
        return answer(200, { ok: true, url: `ws://127.0.0.1:${port}/socket` });
      case 'users.info':
        return answer(200, { ok: true, user: { id: body.user, name: String(body.user).toLowerCase() } });
      default:
        return answer(200, { ok: false, error: 'unknown_method' });
    }
  });
  // Socket Mode: hello on connect, envelopes out, acks `{envelope_id, payload}` back.
  const sockets = new WebSocketServer({ server, path: '/socket' });
  let connected: WebSocket | undefined;
  const onConnect: Array<() => void> = [];
  const pendingAcks = new Map<string, (payload: unknown) => void>();
  let envelopes = 0;
  sockets.on('connection', (ws) => {
    connected = ws;
    ws.on('message', (data) => {
      const ack = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (ack.envelope_id) pendingAcks.get(ack.envelope_id)?.(ack.payload ?? null);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' } }));
    for (const resolve of onConnect.splice(0)) resolve();
  });
  // Idle keep-alive sockets stay open until close(): a client reusing one just as the server
  // drops it would see a reset that has nothing to do with what a test checks.
  server.keepAliveTimeout = 120_000;
  let port = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    messages,
    ephemeral,
    responses,
    failNext(n, how) {
      failures = [...failures, ...Array.from({ length: n }, () => ({ ...how }))];
    },
    holdNext(method) {
      let arrived = () => {};
      let release = () => {};
      const came = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.set(method, { arrived, released });
      return { arrived: came, release };
    },
    down: () => {
      outage = true;
    },
    up: () => {
      outage = false;
    },
    socketConnected: () =>
      connected ? Promise.resolve() : new Promise<void>((resolve) => onConnect.push(() => resolve())),
    sendEnvelope(type, payload) {
      if (!connected) return Promise.reject(new Error('no Socket Mode client connected'));
      envelopes += 1;
      const envelopeId = `env-${envelopes}`;
      const acked = new Promise<unknown>((resolve) => pendingAcks.set(envelopeId, resolve));
      connected.send(
        JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: true }),
      );
      return acked;
    },
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

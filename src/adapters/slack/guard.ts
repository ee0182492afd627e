// A guard in front of Bolt's HTTPReceiver. Bolt checks the signature and rejects timestamps
// more than 5 minutes in the past, but accepts any timestamp in the future, and a correctly
// signed body whose `payload` (or whole JSON body) is `null` throws inside the receiver,
// outside any handler, ending the process. Here the body is read once (with a size cap),
// the timestamp must be within 5 minutes either way, the signature must match, and the body
// must parse to an object of a kind drover listens for (a request Bolt has no listener for is
// not answered until its 2.5 s timeout, holding the connection); only then does Bolt see the
// request, already buffered.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';

export const SLACK_MAX_SKEW_S = 300;
export const SLACK_BODY_LIMIT = 1_000_000;

export interface SlackGuardOptions {
  signingSecret: string;
  now: () => Date;
  /** Told why a request was turned away (for the log; the sender gets only the status). */
  onRefused?: (status: number, why: string) => void;
}

type Verdict = { ok: true } | { ok: false; status: number; why: string };

/** What is wrong with a Slack request, or ok: the checks, apart from the reading. */
export function checkSlackRequest(
  headers: IncomingMessage['headers'],
  rawBody: Buffer,
  options: Pick<SlackGuardOptions, 'signingSecret' | 'now'>,
): Verdict {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string')
    return { ok: false, status: 401, why: 'unsigned: no x-slack-signature or x-slack-request-timestamp' };
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const skew = Math.abs(options.now().getTime() / 1000 - seconds);
  if (!(skew <= SLACK_MAX_SKEW_S))
    return { ok: false, status: 401, why: `timestamp ${timestamp} is more than 5 minutes from now` };
  const expected = Buffer.from(
    `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, status: 401, why: 'the signature does not match SLACK_SIGNING_SECRET' };
  const body = bodyOf(headers['content-type'], rawBody.toString('utf8'));
  if (!body)
    return {
      ok: false,
      status: 400,
      why: 'the body is not a JSON object, a form, or a form with a JSON object `payload`',
    };
  if (!listenedFor(body))
    return {
      ok: false,
      status: 400,
      why: 'not a request drover answers: the /upgrade command, a drover button, an event, a URL verification or an SSL check',
    };
  return { ok: true };
}

/** The buttons drover renders (`drover_<action>`); the Slack app listens for exactly these. */
export const DROVER_ACTION = /^drover_(ack|retry|skip|rollback|step|pause|resume|abort|approve|reject)$/;

type Body = Record<string, unknown>;

/** What Bolt's body parsing yields, when it is an object Bolt can read `ssl_check` and `type` from. */
function bodyOf(contentType: string | undefined, text: string): Body | undefined {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parse(text);
      const { payload } = form;
      if (Array.isArray(payload)) return undefined;
      if (payload === undefined) return form;
      const parsed: unknown = JSON.parse(payload);
      return isPlainObject(parsed) ? parsed : undefined;
    }
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    // Not JSON: the caller answers 400.
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Body {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether the app has a listener (or Bolt's receiver an answer) for this body. */
function listenedFor(body: Body): boolean {
  if (body.ssl_check !== undefined || body.type === 'url_verification') return true;
  if (body.command !== undefined) return body.command === '/upgrade';
  if (body.type === 'event_callback') return isPlainObject(body.event);
  if (body.type === 'block_actions' && Array.isArray(body.actions))
    return body.actions.some(
      (action) =>
        isPlainObject(action) && typeof action.action_id === 'string' && DROVER_ACTION.test(action.action_id),
    );
  return false;
}

/** Reads the body (at most SLACK_BODY_LIMIT bytes), checks it, and hands it on buffered. */
export function guardSlackRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: SlackGuardOptions,
  next: (req: IncomingMessage & { rawBody: Buffer }, res: ServerResponse) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  const refuse = (status: number, why: string) => {
    refused = true;
    options.onRefused?.(status, why);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end(`${why}\n`);
  };
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > SLACK_BODY_LIMIT) {
      refuse(413, `the body is larger than ${SLACK_BODY_LIMIT} bytes`);
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', (error) => refuse(400, `the request could not be read: ${error.message}`));
  req.on('end', () => {
    if (refused) return;
    const rawBody = Buffer.concat(chunks);
    const verdict = checkSlackRequest(req.headers, rawBody, options);
    if (!verdict.ok) return refuse(verdict.status, verdict.why);
    next(Object.assign(req, { rawBody }), res);
  });
}

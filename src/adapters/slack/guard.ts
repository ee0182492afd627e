// A guard in front of Bolt's HTTPReceiver. Bolt checks the signature and rejects timestamps
// more than 5 minutes in the past, but accepts any timestamp in the future, and a correctly
// signed body whose `payload` (or whole JSON body) is `null` throws inside the receiver,
// outside any handler, ending the process. Here the body is read once (with a size cap),
// the timestamp must be within 5 minutes either way, the signature must match, and the body
// must parse to an object; only then does Bolt see the request, already buffered.
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
  if (!isObjectBody(headers['content-type'], rawBody.toString('utf8')))
    return {
      ok: false,
      status: 400,
      why: 'the body is not a JSON object, a form, or a form with a JSON object `payload`',
    };
  return { ok: true };
}

/** Whether Bolt's body parsing yields an object it can read `ssl_check` and `type` from. */
function isObjectBody(contentType: string | undefined, text: string): boolean {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const { payload } = parse(text);
      if (Array.isArray(payload)) return false;
      return payload === undefined || isPlainObject(JSON.parse(payload));
    }
    return isPlainObject(JSON.parse(text));
  } catch {
    // Not JSON: the caller answers 400, which is what this function's false means.
    return false;
  }
}

function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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

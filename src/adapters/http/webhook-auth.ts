// Who may call POST /hooks/deploy, and only once per delivery. The signature covers the
// timestamp and the raw body (`sha256=HMAC(secret, "<timestamp>.<raw body>")`), so a
// captured request cannot be replayed later than 5 minutes, nor its body reused under a
// new timestamp; within those 5 minutes the delivery id, remembered in the database,
// refuses it a second time. Separate from the handler: these checks hold whatever the
// handler does with the request.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const WEBHOOK_MAX_SKEW_S = 300;
/** Bodies larger than this are refused with 413 before they are read further. */
export const WEBHOOK_BODY_LIMIT = 1_048_576;

export interface DeliveryCheck {
  headers: IncomingHttpHeaders;
  rawBody: string;
  secret: string;
  now: Date;
  /** True the first time a delivery id is seen (kept in the database, across processes). */
  firstSeen: (deliveryId: string, now: Date) => Promise<boolean>;
}

export type DeliveryVerdict =
  | { ok: true; delivery: string }
  | { ok: false; status: number; body: { error: string } };

/** The `X-Drover-Signature` value for a delivery: what a client sends. */
export function signDelivery(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

const refuse = (status: number, error: string): DeliveryVerdict => ({ ok: false, status, body: { error } });

export async function checkDelivery(input: DeliveryCheck): Promise<DeliveryVerdict> {
  const timestamp = header(input.headers, 'x-drover-timestamp');
  const signature = header(input.headers, 'x-drover-signature');
  const delivery = header(input.headers, 'x-drover-delivery');
  const how =
    'sign "<X-Drover-Timestamp>.<raw body>" with HMAC-SHA256 and DROVER_WEBHOOK_SECRET, header X-Drover-Signature: sha256=<hex>';
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return refuse(401, `X-Drover-Timestamp is missing or not unix seconds: ${how}`);
  if (Math.abs(input.now.getTime() / 1000 - Number(timestamp)) > WEBHOOK_MAX_SKEW_S)
    return refuse(401, 'X-Drover-Timestamp is more than 5 minutes from now: check the sender’s clock');
  const expected = Buffer.from(signDelivery(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(signature ?? '');
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return refuse(401, `bad signature: ${how}`);
  if (!delivery || !/^[A-Za-z0-9._:-]{1,200}$/.test(delivery))
    return refuse(
      400,
      'X-Drover-Delivery is missing: a unique id per delivery (1–200 of A-Z a-z 0-9 . _ : -)',
    );
  if (!(await input.firstSeen(delivery, input.now)))
    return refuse(409, `delivery ${delivery} was seen before: a replay is refused; send a new id`);
  return { ok: true, delivery };
}

export type DeployAnswer = { status: number; body: Record<string, unknown> };

/** The deploy route: `handle` sees only deliveries that passed `checkDelivery`. */
export function guardedDeploy(options: {
  secret: string;
  now: () => Date;
  firstSeen: DeliveryCheck['firstSeen'];
  handle: (rawBody: string) => Promise<DeployAnswer>;
}): (rawBody: string, headers: IncomingHttpHeaders) => Promise<DeployAnswer> {
  return async (rawBody, headers) => {
    const verdict = await checkDelivery({ ...options, headers, rawBody, now: options.now() });
    return verdict.ok ? options.handle(rawBody) : verdict;
  };
}

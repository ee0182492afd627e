// Deploy webhook deliveries as a CI/CD pipeline sends them: timestamped, signed, with an id.
import { randomUUID } from 'node:crypto';
import { signDelivery } from '../../src/adapters/http/webhook-auth.js';

export function deliveryHeaders(
  secret: string,
  body: string,
  options: { timestamp?: number; delivery?: string } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/json',
    'x-drover-timestamp': timestamp,
    'x-drover-delivery': options.delivery ?? randomUUID(),
    'x-drover-signature': signDelivery(secret, timestamp, body),
  };
}

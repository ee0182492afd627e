// A client that sends requests to drover's POST /slack/events exactly as Slack does: signed
// slash commands, events and button presses; a slow answer is followed to its response_url.
import { createHmac } from 'node:crypto';
import { WORKING } from '../../src/adapters/slack/app.js';

/** Sends requests to drover's /slack/events as Slack would, signed with the secret. */
export function slackClient(eventsUrl: string, signingSecret: string, responseBase: string) {
  let responses = 0;
  const send = async (
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
    secret = signingSecret,
    timestamp = Math.floor(Date.now() / 1000),
  ) => {
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
        ...headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  return {
    /** Any body, signed (with `secret`, at `timestamp`) as Slack signs. */
    send,
    command(
      user: string,
      text: string,
      options: {
        channel?: string;
        secret?: string;
        timestamp?: number;
        team?: string;
        ackOnly?: boolean;
      } = {},
    ) {
      responses += 1;
      const form = new URLSearchParams({
        token: 'legacy',
        team_id: options.team ?? 'T1',
        channel_id: options.channel ?? 'C0LAB',
        user_id: user,
        user_name: user.toLowerCase(),
        command: '/upgrade',
        text,
        response_url: `${responseBase}/response/${responses}`,
        trigger_id: `trigger.${responses}`,
        api_app_id: 'A1',
      });
      const responseUrl = `${responseBase}/response/${responses}`;
      return send(
        form.toString(),
        'application/x-www-form-urlencoded',
        {},
        options.secret,
        options.timestamp,
      ).then(async (acked) => {
        // A slow answer comes after a "working on it…" ack, through the response_url: what the
        // asker sees then is that reply (set `ackOnly` to see the ack itself; a GET of
        // `responseUrl` waits for the reply).
        if (options.ackOnly || acked.status !== 200 || !acked.text.includes(WORKING))
          return { ...acked, responseUrl };
        const text = await (await fetch(responseUrl)).text();
        return {
          status: acked.status,
          text,
          json: () => JSON.parse(text) as Record<string, unknown>,
          responseUrl,
        };
      });
    },
    event(eventId: string, event: Record<string, unknown>, retryNum?: number) {
      const body = JSON.stringify({
        token: 'legacy',
        team_id: 'T1',
        api_app_id: 'A1',
        type: 'event_callback',
        event_id: eventId,
        event_time: Math.floor(Date.now() / 1000),
        event,
      });
      return send(
        body,
        'application/json',
        retryNum ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } : {},
      );
    },
    button(user: string, channel: string, messageTs: string, actionId: string, value: string) {
      responses += 1;
      const payload = {
        type: 'block_actions',
        team: { id: 'T1' },
        user: { id: user, name: user.toLowerCase() },
        api_app_id: 'A1',
        token: 'legacy',
        container: { type: 'message', message_ts: messageTs, channel_id: channel },
        trigger_id: `trigger.${responses}`,
        channel: { id: channel },
        message: { ts: messageTs, type: 'message' },
        response_url: `${responseBase}/response/${responses}`,
        actions: [
          {
            action_id: actionId,
            block_id: 'actions',
            value,
            type: 'button',
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      };
      return send(
        new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        'application/x-www-form-urlencoded',
      );
    },
  };
}

// Requests to POST /slack/events that must not end `drover serve` or pass a check they
// should fail, sent through the real Bolt app (defects 4 and 5 of "every boundary holds").
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, startLab } from '../support/lab.js';

const SECRET = 'slack-signing-secret';
const FORM = 'application/x-www-form-urlencoded';

describe('POST /slack/events at the boundary', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let serving: Serving;
  let client: ReturnType<typeof slackClient>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    slack = await startFakeSlack();
    serving = await startServe(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        DATABASE_URL: '',
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger },
    );
    client = slackClient(
      `http://127.0.0.1:${serving.port}/slack/events`,
      SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );
  });
  afterAll(async () => {
    await serving?.stop();
    await slack?.close();
    await lab?.close();
  });

  it('answers signed bodies that are null, not objects or not JSON with 400, and keeps serving', async () => {
    const bodies: Array<[string, string]> = [
      ['payload=null', FORM],
      ['payload=%22text%22', FORM],
      ['payload=%5B%5D', FORM],
      ['payload=%7B', FORM],
      ['payload=1&payload=2', FORM],
      ['null', 'application/json'],
      ['[]', 'application/json'],
      ['"x"', 'application/json'],
      ['{', 'application/json'],
      ['', 'application/json'],
    ];
    for (const [body, type] of bodies) {
      const answer = await client.send(body, type);
      expect(answer.status, body).toBe(400);
    }
    const alive = await client.command('U0OPS', 'help');
    expect(alive.status).toBe(200);
    expect(alive.json().text).toContain('/upgrade start');
  });

  it('answers signed requests drover has no listener for with 400, not after Bolt’s timeout', async () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const payload = (value: unknown) => form({ payload: JSON.stringify(value) });
    const bodies: Array<[string, string]> = [
      [form({ command: '/deploy', text: 'status', user_id: 'U0OPS', team_id: 'T1' }), FORM],
      [payload({ type: 'view_submission', view: {} }), FORM],
      [payload({ type: 'shortcut', callback_id: 'x' }), FORM],
      [payload({ type: 'block_actions', actions: [{ action_id: 'someone_elses', value: '1' }] }), FORM],
      [payload({ type: 'block_actions', actions: 'drover_ack' }), FORM],
      [payload({ any: 'object' }), FORM],
      [JSON.stringify({ type: 'event_callback' }), 'application/json'],
      [JSON.stringify({ type: 'app_home_opened' }), 'application/json'],
      [JSON.stringify({ hello: 'world' }), 'application/json'],
    ];
    for (const [body, type] of bodies) {
      const answer = await client.send(body, type);
      expect(answer.status, body).toBe(400);
      expect(answer.text, body).toMatch(/not a request drover answers/);
    }
    // What it does listen for still passes the guard.
    expect((await client.send(form({ ssl_check: '1', token: 'legacy' }), FORM)).status).toBe(200);
    const challenge = await client.send(
      JSON.stringify({ type: 'url_verification', challenge: 'c-1', token: 'legacy' }),
      'application/json',
    );
    expect(challenge.status).toBe(200);
    expect(challenge.text).toContain('c-1');
    expect((await client.command('U0OPS', 'help')).status).toBe(200);
  });

  it('refuses timestamps more than 5 minutes away in either direction with 401', async () => {
    for (const offset of [-400, 400, 600, 86_400]) {
      const answer = await client.command('U0OPS', 'status', { timestamp: now() + offset });
      expect(answer.status, String(offset)).toBe(401);
    }
    const unsigned = await fetch(`http://127.0.0.1:${serving.port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'payload=null',
    });
    expect(unsigned.status).toBe(401);
    expect((await client.command('U0OPS', 'status', { timestamp: now() + 60 })).status).toBe(200);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const answer = await client.send(`text=${'a'.repeat(1_100_000)}`, FORM);
    expect(answer.status).toBe(413);
    expect((await client.command('U0OPS', 'help')).status).toBe(200);
  });

  it('stores nothing from a command line holding NUL and answers with a usage line', async () => {
    const answer = await client.command('U0OPS', 'status x\u0000');
    expect(answer.status).toBe(200);
    expect(answer.json().text).toMatch(/control character \(U\+0000 at 9\)\. usage: \/upgrade/);
    const rows = await serving.runtime.db.store.active();
    expect(rows).toEqual([]);
  });
});

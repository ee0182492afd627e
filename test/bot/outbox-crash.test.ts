// A drover process killed while Slack holds its chat.postMessage answer: another process takes
// the channel over within seconds (the dead one stopped heartbeating its claim), finds the
// message already posted in the channel's history (its outbox key is in the message metadata)
// instead of posting it twice, and goes on with the next message. Real PostgreSQL shared by
// two processes, the real Slack transport, the fake Slack.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock.js';
import type { Database } from '../../src/adapters/db/open.js';
import { createSlackTransport, createSlackWebClient } from '../../src/adapters/slack/transport.js';
import type { OutgoingMessage } from '../../src/bot/model.js';
import { createOutboxWorker } from '../../src/bot/outbox-worker.js';
import { openTestDatabase } from '../support/db.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { until } from '../support/wait.js';

const message = (key: string, summary: string): OutgoingMessage => ({
  platform: 'slack',
  channel: 'C1',
  key,
  threadOf: null,
  message: { summary },
});

/** A delivering process: the outbox worker of `drover serve`, in a child node process. */
function deliveringProcess(databaseUrl: string, apiUrl: string): ChildProcess {
  const script = `
    import { openDatabase } from './src/adapters/db/open.ts';
    import { systemClock } from './src/adapters/clock.ts';
    import { createSlackTransport, createSlackWebClient } from './src/adapters/slack/transport.ts';
    import { createOutboxWorker } from './src/bot/outbox-worker.ts';
    const database = await openDatabase({ env: { DATABASE_URL: ${JSON.stringify(databaseUrl)} } });
    const transport = createSlackTransport(createSlackWebClient('xoxb-test', ${JSON.stringify(apiUrl)}));
    const worker = createOutboxWorker({ outbox: database.outbox, transport, clock: systemClock, owner: 'child:' + process.pid });
    await worker.run(new AbortController().signal, 100);`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: process.cwd(),
    stdio: 'ignore',
  });
}

// Two handles on one database at once: PostgreSQL only (npm test runs it when DATABASE_URL is set, as CI does).
describe.skipIf(!process.env.DATABASE_URL)('a delivering process killed mid-post', () => {
  let slack: FakeSlack;
  let database: Database;
  beforeAll(async () => {
    slack = await startFakeSlack();
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
    await slack?.close();
  });

  it('the message appears once, and the channel goes on within seconds', async () => {
    const held = slack.holdNext('chat.postMessage');
    await database.outbox.enqueue([message('failure:1', 'Failure #1')]);
    await database.outbox.enqueue([message('upgrade:2', 'Upgrade #2')]);
    const child = deliveringProcess(database.location, slack.apiUrl);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await held.arrived;
      expect(slack.messages.map((m) => m.text)).toEqual(['Failure #1']);
      child.kill('SIGKILL');
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
    const killedAt = Date.now();

    const abort = new AbortController();
    const worker = createOutboxWorker({
      outbox: database.outbox,
      transport: createSlackTransport(createSlackWebClient('xoxb-test', slack.apiUrl)),
      clock: systemClock,
      owner: 'successor',
    });
    const running = worker.run(abort.signal, 100);
    try {
      await until(() => slack.messages.some((m) => m.text === 'Upgrade #2'), 'the next message', 30_000);
      const silentMs = Date.now() - killedAt;
      expect(silentMs).toBeLessThan(15_000);
      await until(async () => (await database.outbox.pending('slack')) === 0, 'the delivery recorded');
      expect(slack.messages.map((m) => m.text)).toEqual(['Failure #1', 'Upgrade #2']);
      const methods = slack.calls.map((c) => c.method);
      expect(methods).toContain('conversations.history');
      expect(methods.filter((m) => m === 'chat.postMessage')).toHaveLength(2);
      // The successor recorded where the first message lives: later versions edit it.
      expect((await database.outbox.ref('slack', 'C1', 'failure:1'))?.ref).toBe(slack.messages[0]!.ts);
    } finally {
      abort.abort();
      held.release();
      await running;
    }
  });
});

// /metrics tells the truth about the outbox: a message Slack refuses for good (`invalid_blocks`)
// shows as one dead message and stops counting as pending, while the messages after it are
// delivered. `drover serve` in this process, the real Bolt app against the fake Slack.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/adapters/metrics/metrics.js';
import { type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, OPS, startLab } from '../support/lab.js';
import { parsePrometheus, total } from '../support/prometheus.js';
import { until } from '../support/wait.js';

describe('drover serve: the outbox gauges on /metrics', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let serving: Serving;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    slack = await startFakeSlack();
    serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'slack-secret',
        SLACK_API_URL: slack.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger, metrics: createMetrics() },
    );
  }, 60_000);
  afterAll(async () => {
    await serving?.stop(1_000);
    await slack?.close();
    await lab?.close();
  });

  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${serving.port}/metrics`);
    expect(response.status).toBe(200);
    return parsePrometheus(await response.text());
  };

  it('a message refused with invalid_blocks is counted dead (1), not pending; a retry clears it', async () => {
    await until(
      async () => (await fetch(`http://127.0.0.1:${serving.port}/healthz`)).status === 200,
      'serve to be ready',
    );
    const started = await serving.runtime.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    await until(
      async () => (await serving.runtime.db.store.load(started.upgrade.id))?.upgrade.state === 'completed',
      'the upgrade to complete',
    );
    const drained = async () => {
      const now = await scrape();
      return total(now, 'drover_outbox_pending') === 0 ? now : undefined;
    };
    const before = await until(drained, 'its messages to be delivered');
    expect(total(before, 'drover_outbox_dead')).toBe(0);

    // The next post is refused three times, for good.
    slack.failNext(3, { error: 'invalid_blocks' });
    await serving.runtime.db.outbox.enqueue([
      { platform: 'slack', channel: 'C0LAB', key: 'note:1', threadOf: null, message: { summary: 'a note' } },
    ]);
    await until(
      () => slack.messages.some((m) => m.text.includes('could not be delivered')),
      'the notice to the channel',
      30_000,
    );
    const after = await until(drained, 'the notice to be delivered');
    expect(total(after, 'drover_outbox_dead', { platform: 'slack' })).toBe(1);
    expect(total(after, 'drover_outbox_dead')).toBe(1);
    const dead = (await serving.runtime.db.outbox.list()).filter((entry) => entry.state === 'dead');
    expect(dead).toEqual([
      expect.objectContaining({ key: 'note:1', lastError: expect.stringContaining('invalid_blocks') }),
    ]);

    expect(await serving.runtime.db.outbox.retry(dead[0]!.id)).toBe('queued');
    await until(() => slack.messages.some((m) => m.text === 'a note'), 'the note, sent again');
    const retried = await until(drained, 'the outbox to drain');
    expect(total(retried, 'drover_outbox_dead')).toBe(0);
  }, 60_000);
});

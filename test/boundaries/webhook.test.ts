// The deploy webhook over HTTP against `drover serve`, its database and a real git
// repository: replayed, stale and oversized deliveries, side-branch commits and downgrades
// (defect 6 of "every boundary holds").
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, OPS, startLab } from '../support/lab.js';
import { until } from '../support/wait.js';
import { deliveryHeaders } from '../support/webhook.js';

const HOOK = 'hook-secret';

describe('POST /hooks/deploy at the boundary', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let serving: Serving;
  let havana: string[];
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', lab.repo.path, ...args])
      .toString()
      .trim();
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${serving.port}/hooks/deploy`, { method: 'POST', headers, body }).then(
      async (response) => ({ status: response.status, json: (await response.json()) as { error?: string } }),
    );
  const upgrades = async () => (await serving.runtime.db.store.recent(50)).length;

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    slack = await startFakeSlack();
    serving = await startServe(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'slack-secret',
        SLACK_API_URL: slack.apiUrl,
        DROVER_WEBHOOK_SECRET: HOOK,
        DATABASE_URL: '',
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger },
    );
    havana = git('rev-list', '--reverse', 'stable/grizzly..stable/havana').split('\n');
  });
  afterAll(async () => {
    await serving?.stop();
    await slack?.close();
    await lab?.close();
  });

  it('refuses deliveries signed the old way, stale, from the future, or without an id', async () => {
    const body = JSON.stringify({ environment: 'lab', commit: havana[0] });
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ ...deliveryHeaders(HOOK, body), 'x-drover-timestamp': '' }, 401, /X-Drover-Timestamp/],
      [deliveryHeaders(HOOK, body, { timestamp: now - 400 }), 401, /more than 5 minutes/],
      [deliveryHeaders(HOOK, body, { timestamp: now + 400 }), 401, /more than 5 minutes/],
      [deliveryHeaders(HOOK, `${body} `), 401, /bad signature/],
      [{ ...deliveryHeaders(HOOK, body), 'x-drover-delivery': '' }, 400, /X-Drover-Delivery/],
    ];
    // The body alone signed, as before the timestamp was signed too.
    const bodyOnly = deliveryHeaders(HOOK, body);
    bodyOnly['x-drover-signature'] = `sha256=${createHmac('sha256', HOOK).update(body).digest('hex')}`;
    cases.push([bodyOnly, 401, /bad signature/]);
    for (const [headers, status, error] of cases) {
      const answer = await post(body, headers);
      expect(answer.status).toBe(status);
      expect(answer.json.error).toMatch(error);
    }
    expect(await upgrades()).toBe(0);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const body = JSON.stringify({ environment: 'lab', commit: havana[0], pad: 'x'.repeat(1_100_000) });
    const answer = await post(body, deliveryHeaders(HOOK, body));
    expect(answer.status).toBe(413);
    expect(await upgrades()).toBe(0);
  });

  it('refuses a commit that is not on the release’s ref (an unmerged side branch)', async () => {
    git('checkout', '-q', '-b', 'side', 'stable/grizzly');
    writeFileSync(join(lab.repo.path, 'side.txt'), 'side\n');
    git('add', 'side.txt');
    git(
      '-c',
      'user.name=Mallory',
      '-c',
      'user.email=m@example.com',
      'commit',
      '-q',
      '-m',
      'havana: not really',
    );
    const side = git('rev-parse', 'HEAD');
    git('checkout', '-q', '--detach', 'stable/grizzly');
    const body = JSON.stringify({ environment: 'lab', commit: side, release: 'havana' });
    const answer = await post(body, deliveryHeaders(HOOK, body));
    expect(answer.status).toBe(409);
    expect(answer.json.error).toMatch(/not reachable from stable\/havana/);
    expect(await upgrades()).toBe(0);
  });

  it('deploys a commit once: the same delivery again is a replay, an older commit a downgrade', async () => {
    const body = JSON.stringify({ environment: 'lab', commit: havana[2] });
    const headers = deliveryHeaders(HOOK, body, { delivery: 'build-42' });
    const first = await post(body, headers);
    expect(first.status, first.json.error).toBe(202);
    const replay = await post(body, headers);
    expect(replay.status).toBe(409);
    expect(replay.json.error).toMatch(/delivery build-42 was seen before/);
    await until(async () => {
      const [latest] = await serving.runtime.db.store.recent(1);
      return latest?.state === 'completed';
    }, 'the deploy to complete');

    const older = JSON.stringify({ environment: 'lab', commit: havana[1] });
    const refused = await post(older, deliveryHeaders(HOOK, older));
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatch(/older than .* a downgrade; send "allowDowngrade": true/);
    expect(await upgrades()).toBe(1);

    const meant = JSON.stringify({ environment: 'lab', commit: havana[1], allowDowngrade: true });
    const accepted = await post(meant, deliveryHeaders(HOOK, meant));
    expect(accepted.status, accepted.json.error).toBe(202);
    await serving.runtime.engine.upgrades.abort(OPS, { environment: 'lab' });
  }, 120_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../../../src/adapters/git/repo.js';
import { handleDeployHook, newestRelease } from '../../../src/adapters/http/deploy-hook.js';
import { createHttpServer, listen } from '../../../src/adapters/http/server.js';
import { guardedDeploy, signDelivery } from '../../../src/adapters/http/webhook-auth.js';
import type { StartOptions, Upgrades } from '../../../src/engine/api.js';
import type { Actor, Plan } from '../../../src/engine/types.js';
import { ActiveUpgradeExistsError } from '../../../src/errors.js';
import { openstackConfig } from '../../support/config.js';
import { buildRangeRepo } from '../../support/git.js';
import { snapshotOf } from '../../support/snapshot.js';

const SECRET = 'the-webhook-secret';

/** The engine's `Upgrades` port as the hook sees it: records each start, refuses a second one. */
function recordingUpgrades() {
  const started: Array<{ actor: Actor; release: string; options: StartOptions }> = [];
  const refuse = (): never => {
    throw new Error('the deploy hook only starts upgrades');
  };
  const upgrades: Upgrades = {
    async start(actor, release, options) {
      if (started.length > 0) throw new ActiveUpgradeExistsError(options.environment ?? '', 1);
      started.push({ actor, release, options });
      const plan: Plan = {
        environment: options.environment ?? '',
        release,
        from: 'grizzly',
        commit: options.commit,
        fromCommit: undefined,
        pinned: true,
        strategy: {
          kind: 'all-at-once',
          batch: 1,
          waves: [],
          maxFailures: 0,
          maxUnavailable: undefined,
          soakMs: 0,
          auto: true,
          concurrency: 1,
        },
        order: [],
        waves: [],
        skipped: [],
        skew: [],
      };
      return snapshotOf(plan, 41);
    },
    plan: refuse,
    step: refuse,
    status: refuse,
    pause: refuse,
    resume: refuse,
    rollback: refuse,
    abort: refuse,
    retry: refuse,
    skip: refuse,
    ack: refuse,
  };
  return { upgrades, started };
}

let root: string;
let shas: string[];
let server: Server;
let url: string;
const config = openstackConfig();
const recorder = recordingUpgrades();
const seen = new Set<string>();
let deliveries = 0;
const now = () => String(Math.floor(Date.now() / 1000));
/** Signs a body as a sender does: the timestamp and the raw body. */
const signBody = (secret: string, body: string, timestamp = now()) => signDelivery(secret, timestamp, body);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-hook-'));
  shas = (await buildRangeRepo(join(root, 'deploy'), 3, 2, 'nova-compute')).shas;
  const commits = createGitRepo(join(root, 'deploy'));
  server = createHttpServer({
    deploy: guardedDeploy({
      secret: SECRET,
      now: () => new Date(),
      firstSeen: async (id) => !seen.has(id) && Boolean(seen.add(id)),
      handle: (rawBody) => handleDeployHook({ rawBody, upgrades: recorder.upgrades, commits, config }),
    }),
    health: async () => [],
  });
  url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/hooks/deploy`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

async function post(body: string, signature: string | undefined, extra: Record<string, string> = {}) {
  deliveries += 1;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-drover-timestamp': now(),
    'x-drover-delivery': `d-${deliveries}`,
    ...extra,
  };
  if (signature !== undefined) headers['x-drover-signature'] = signature;
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /hooks/deploy', () => {
  it('refuses a missing, wrong or stale signature with 401, starting nothing', async () => {
    const body = JSON.stringify({ environment: 'lab', commit: shas[0] });
    expect((await post(body, undefined)).status).toBe(401);
    expect((await post(body, signBody('another-secret', body))).status).toBe(401);
    // Signed for another body (a replayed header on an edited payload).
    const answer = await post(body, signBody(SECRET, `${body} `));
    expect(answer).toMatchObject({
      status: 401,
      body: { error: expect.stringMatching(/X-Drover-Signature/) },
    });
    expect(recorder.started).toEqual([]);
  });

  it('answers 400 with the reason for a bad body, an unknown environment or commit', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ environment: 'lab' }, /commit/],
      [{ environment: 'lab', commit: 'main; rm -rf /' }, /commit: a commit sha/],
      [{ environment: 'moon', commit: shas[0] }, /unknown environment "moon"/],
      [{ environment: 'constructor', commit: shas[0] }, /unknown environment "constructor"/],
      [{ environment: 'lab', commit: shas[0], release: 'toString' }, /unknown release "toString"/],
      [{ environment: 'lab', commit: 'f'.repeat(40) }, /unknown commit f{40}/],
      [{ environment: 'lab', commit: shas[0], release: 'kilo' }, /unknown release "kilo"/],
    ];
    for (const [payload, reason] of cases) {
      const body = JSON.stringify(payload);
      const answer = await post(body, signBody(SECRET, body));
      expect(answer.status, body).toBe(400);
      expect(String(answer.body.error), body).toMatch(reason);
    }
    const notJson = '{"environment":';
    expect(await post(notJson, signBody(SECRET, notJson))).toMatchObject({ status: 400 });
    expect(recorder.started).toEqual([]);
  });

  it('starts an all-at-once upgrade of the newest release for the full sha, as the deploy hook: 202', async () => {
    const body = JSON.stringify({ environment: 'lab', commit: shas[1]!.slice(0, 10) });
    const answer = await post(body, signBody(SECRET, body));
    expect(answer).toEqual({
      status: 202,
      body: { upgrade: 41, environment: 'lab', release: 'icehouse', commit: shas[1] },
    });
    expect(recorder.started).toEqual([
      {
        actor: { id: 'webhook:deploy', platform: 'webhook', name: 'deploy hook' },
        release: 'icehouse',
        options: { environment: 'lab', strategy: 'all-at-once', commit: shas[1] },
      },
    ]);
    expect(newestRelease(config)).toBe('icehouse');
  });

  it("passes the engine's refusal on as 409 (an upgrade is already active)", async () => {
    const body = JSON.stringify({ environment: 'lab', commit: shas[2] });
    const answer = await post(body, signBody(SECRET, body));
    expect(answer.status).toBe(409);
    expect(String(answer.body.error)).toMatch(/already has an active upgrade/);
    expect(recorder.started).toHaveLength(1);
  });
});

// The deploy webhook over real HTTP, with a real git repository, the real dispatcher and engine
// API over a real (PGlite) store: the hook is `start` pinned to a commit, audited.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import type { Database } from '../../../src/adapters/db/open.js';
import { auditLog } from '../../../src/adapters/db/schema.js';
import { createGitRepo } from '../../../src/adapters/git/repo.js';
import { handleDeployHook, newestRelease } from '../../../src/adapters/http/deploy-hook.js';
import { createHttpServer, listen } from '../../../src/adapters/http/server.js';
import { guardedDeploy, signDelivery } from '../../../src/adapters/http/webhook-auth.js';
import { createDispatcher } from '../../../src/bot/dispatch.js';
import type { Upgrades } from '../../../src/engine/api.js';
import type { Actor } from '../../../src/engine/types.js';
import { createUpgrades } from '../../../src/engine/upgrades.js';
import { openstackConfig } from '../../support/config.js';
import { openTestDatabase } from '../../support/db.js';
import { buildRangeRepo } from '../../support/git.js';

const SECRET = 'the-webhook-secret';

let root: string;
let shas: string[];
let server: Server;
let url: string;
let database: Database;
let upgrades: Upgrades;
const config = openstackConfig();
const audit = () =>
  database.db
    .select({
      actor: auditLog.actorId,
      platform: auditLog.actorPlatform,
      command: auditLog.command,
      args: auditLog.args,
      outcome: auditLog.outcome,
      upgradeId: auditLog.upgradeId,
    })
    .from(auditLog)
    .orderBy(asc(auditLog.id));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-hook-'));
  shas = (await buildRangeRepo(join(root, 'deploy'), 3, 2, 'nova-compute')).shas;
  // The newest release, icehouse, is where continuous deployment goes: its branch holds the commits.
  execFileSync('git', ['-C', join(root, 'deploy'), 'branch', 'stable/icehouse', 'stable/havana']);
  const commits = createGitRepo(join(root, 'deploy'));
  database = await openTestDatabase();
  upgrades = createUpgrades({ config, store: database.store, clock: systemClock, refs: commits });
  const dispatcher = createDispatcher({ upgrades, store: database.store, config });
  server = createHttpServer({
    deploy: guardedDeploy({
      secret: SECRET,
      now: () => new Date(),
      firstSeen: (id, now) => database.dedup.firstSeen('webhook', id, now),
      handle: (rawBody) => handleDeployHook({ rawBody, dispatcher, commits, config }),
    }),
    health: async () => ({ ok: true }),
  });
  url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/hooks/deploy`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await database?.close();
  rmSync(root, { recursive: true, force: true });
});

let deliveries = 0;
// One timestamp for the file's few seconds: what is signed and what is sent agree.
const STAMP = String(Math.floor(Date.now() / 1000));
const now = () => STAMP;
/** Signs a body as a sender does: the timestamp and the raw body. */
const signBody = (secret: string, body: string) => signDelivery(secret, now(), body);

async function post(body: string, signature: string | undefined) {
  deliveries += 1;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-drover-timestamp': now(),
    'x-drover-delivery': `d-${deliveries}`,
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
    expect(await database.store.active()).toEqual([]);
    expect(await audit()).toEqual([]);
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
    expect(await database.store.active()).toEqual([]);
    expect(await audit()).toEqual([]);
  });

  it("starts an upgrade of the newest release for the full sha with the environment's strategy, as the deploy hook, audited: 202", async () => {
    const body = JSON.stringify({ environment: 'lab', commit: shas[1]!.slice(0, 10) });
    const answer = await post(body, signBody(SECRET, body));
    const [active] = await database.store.active();
    expect(answer).toEqual({
      status: 202,
      body: { upgrade: active?.id, environment: 'lab', release: 'icehouse', commit: shas[1] },
    });
    expect(active).toMatchObject({
      environment: 'lab',
      release: 'icehouse',
      startedBy: 'deploy hook',
      plan: { commit: shas[1], pinned: true, strategy: { kind: 'rolling' } },
    });
    expect(await audit()).toEqual([
      {
        actor: 'webhook:deploy',
        platform: 'webhook',
        command: 'start',
        args: { verb: 'start', release: 'icehouse', env: 'lab', commit: shas[1], supersede: true },
        outcome: 'ok',
        upgradeId: active?.id,
      },
    ]);
    expect(newestRelease(config)).toBe('icehouse');
  });

  it('a second deploy supersedes the first (202); a deploy during an operator’s upgrade is refused (409), audited', async () => {
    const [first] = await database.store.active();
    const body = JSON.stringify({ environment: 'lab', commit: shas[2] });
    const answer = await post(body, signBody(SECRET, body));
    expect(answer.status).toBe(202);
    const [second] = await database.store.active();
    expect(second?.id).not.toBe(first?.id);
    expect((await database.store.load(first!.id))?.upgrade).toMatchObject({
      state: 'superseded',
      reason: expect.stringMatching(/^superseded by the deploy of [0-9a-f]{7} by deploy hook/),
    });

    const ops: Actor = { id: 'cli:ops@test', platform: 'cli', name: 'ops' };
    await upgrades.abort(ops, { environment: 'lab' });
    await upgrades.start(ops, 'havana', { environment: 'lab' });
    const refused = await post(body, signBody(SECRET, body));
    expect(refused.status).toBe(409);
    expect(String(refused.body.error)).toMatch(/already has an active upgrade/);
    expect((await audit()).at(-1)).toMatchObject({
      actor: 'webhook:deploy',
      command: 'start',
      outcome: expect.stringMatching(/^refused: environment lab already has an active upgrade/),
    });
  });
});

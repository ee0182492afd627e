import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDigestQueries } from '../../../src/adapters/db/digest-queries.js';
import { type Database, openDatabase } from '../../../src/adapters/db/open.js';
import { outbox } from '../../../src/adapters/db/schema.js';
import { createDigestScheduler, type DigestSchedulerOptions } from '../../../src/bot/digest/runner.js';
import { UsageError } from '../../../src/errors.js';
import { createTestClock, type TestClock } from '../../support/clock.js';
import { freshPostgresDatabase, openTestDatabase } from '../../support/db.js';
import { digestConfig, text } from './fixtures.js';

// One PGlite database for the file; each test has its own environment in it.
const open: Array<{ close: () => Promise<void> }> = [];
let shared: Database;
beforeAll(async () => {
  shared = await openTestDatabase('pglite');
  open.push(shared);
});
afterAll(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

function scheduler(
  db: Database,
  clock: TestClock,
  owner: string,
  environment: string,
  extra: Partial<DigestSchedulerOptions> = {},
) {
  const errors: unknown[] = [];
  const digest = createDigestScheduler({
    config: digestConfig({ environment }),
    store: db.store,
    queries: createDigestQueries(db.db),
    digests: db.digests,
    outbox: db.outbox,
    clock,
    owner,
    platforms: ['slack', 'discord'],
    staleMs: 60_000,
    onError: (error) => errors.push(error),
    ...extra,
  });
  return Object.assign(digest, { errors });
}

/** Every digest row ever enqueued (superseded ones too), to count duplicates. */
async function digestRows(db: Database, environment: string) {
  const rows = await db.db
    .select()
    .from(outbox)
    .where(like(outbox.key, `digest:${environment}:%`));
  return rows.map((r) => `${r.platform} ${r.channel} ${r.key}${r.superseded ? ' superseded' : ''}`).sort();
}

const both = (environment: string, iso: string) => [
  `discord 4455 digest:${environment}:${iso}`,
  `slack C0LAB digest:${environment}:${iso}`,
];

describe('digest scheduler', () => {
  it('two processes on one database post each scheduled digest once between them', async () => {
    const env = 'two';
    let dbA = shared;
    let dbB = shared;
    if (process.env.DATABASE_URL) {
      const fresh = await freshPostgresDatabase();
      open.push({ close: fresh.drop });
      dbA = await openDatabase({ env: { DATABASE_URL: fresh.url }, dataDir: 'memory://' });
      open.push(dbA);
      dbB = await openDatabase({ env: { DATABASE_URL: fresh.url }, dataDir: 'memory://' });
      open.push(dbB);
    } else {
      console.log(
        'DATABASE_URL is unset: the two schedulers share one PGlite database (no real concurrency)',
      );
    }
    // Monday 23 November 2026, 08:30 in Berlin: Friday's digest is too late to post.
    const clock = createTestClock('2026-11-23T07:30:00Z');
    const a = scheduler(dbA, clock, 'process-a', env);
    const b = scheduler(dbB, clock, 'process-b', env);
    await Promise.all([a.tick(), b.tick()]);
    expect(await digestRows(dbA, env)).toEqual([]);

    const days = ['2026-11-23T08:00:00.000Z', '2026-11-24T08:00:00.000Z', '2026-11-25T08:00:00.000Z'];
    for (const day of days) {
      clock.set(day);
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      clock.advance(30_000);
      await Promise.all([a.tick(), b.tick()]);
    }
    expect(await digestRows(dbA, env)).toEqual(days.flatMap((day) => both(env, day)).sort());
    expect((await dbB.digests.last(env))?.scheduledAt.toISOString()).toBe(days.at(-1));
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('a process down over the scheduled times posts one catch-up digest when back', async () => {
    const env = 'down';
    const monday = new Date('2026-11-23T08:00:00Z');
    await shared.digests.claim(env, monday, 'earlier', monday, 60_000);
    await shared.digests.finish(env, monday, new Date('2026-11-23T08:00:05Z'));
    // Back on Wednesday at 11:30 in Berlin: Tuesday's and Wednesday's 09:00 were missed.
    const clock = createTestClock('2026-11-25T10:30:00Z');
    const digest = scheduler(shared, clock, 'returning', env);
    await digest.tick();
    await digest.tick();
    clock.advance(3_600_000);
    await digest.tick();
    expect(await digestRows(shared, env)).toEqual(both(env, '2026-11-25T08:00:00.000Z'));
    // The channel is shared with the other tests' environments: read the row, not the queue's head.
    const [item] = await shared.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.platform, 'slack'), eq(outbox.key, `digest:${env}:2026-11-25T08:00:00.000Z`)));
    expect(text(item!.message.title)).toBe(
      'Digest down, Wed 25 Nov 09:00 Europe/Berlin: quiet — no active upgrades, no open failures, nothing changed since the last digest.',
    );
    expect(text(item!.message.context)).toBe(
      'since Mon 23 Nov 09:00 Europe/Berlin · next digest Thu 26 Nov 09:00 Europe/Berlin',
    );
    expect(digest.errors).toEqual([]);
  });

  it('a run claimed by a process that died is posted by another once the claim is stale', async () => {
    const env = 'stale';
    const thursday = new Date('2026-11-26T08:00:00Z');
    expect(await shared.digests.claim(env, thursday, 'died', thursday, 60_000)).toBe(true);
    const clock = createTestClock(thursday);
    const digest = scheduler(shared, clock, 'survivor', env);
    await digest.tick();
    clock.advance(59_999);
    await digest.tick();
    expect(await digestRows(shared, env)).toEqual([]);
    clock.advance(2);
    await digest.tick();
    await digest.tick();
    expect(await digestRows(shared, env)).toEqual(both(env, thursday.toISOString()));
    expect((await shared.digests.last(env))?.scheduledAt).toEqual(thursday);
  });

  it('runs on the clock once started, and stops', async () => {
    const env = 'loop';
    const thursday = new Date('2026-11-26T08:00:00Z');
    await shared.digests.claim(env, thursday, 'earlier', thursday, 60_000);
    await shared.digests.finish(env, thursday, thursday);
    const clock = createTestClock('2026-11-27T07:00:00Z');
    const digest = scheduler(shared, clock, 'loop', env, { pollMs: 60_000 });
    digest.start();
    await clock.sleeping();
    expect(await digestRows(shared, env)).toEqual([]);
    clock.set('2026-11-27T08:00:30Z');
    await clock.sleeping();
    expect(await digestRows(shared, env)).toEqual(both(env, '2026-11-27T08:00:00.000Z'));
    await digest.stop();
    expect(clock.sleepers).toBe(0);
  });

  it('posts a digest now on request, and nothing when silent and quiet', async () => {
    const env = 'manual';
    const clock = createTestClock('2026-11-27T12:00:00Z');
    const digest = scheduler(shared, clock, 'manual', env);
    expect(await digest.postDigestNow(undefined)).toBe(
      'posting the manual digest to slack C0LAB, discord 4455',
    );
    expect(await digestRows(shared, env)).toEqual(both(env, '2026-11-27T12:00:00.000Z'));
    expect((await shared.digests.last(env))?.scheduledAt.toISOString()).toBe('2026-11-27T12:00:00.000Z');
    await expect(digest.postDigestNow('nowhere')).rejects.toBeInstanceOf(UsageError);
    // A bad time zone no longer gets this far: the config's checks refuse it, with its position.
    expect(() => digestConfig({ environment: env, timezone: 'Mars/Base' })).toThrow(
      /digest\.timezone: unknown time zone "Mars\/Base"/,
    );

    const silent = scheduler(shared, clock, 'silent', env, {
      config: digestConfig({ environment: env, quiet: 'silent', cron: '0 14 * * *' }),
    });
    clock.set('2026-11-27T13:00:00Z');
    await silent.tick();
    expect((await shared.digests.last(env))?.scheduledAt.toISOString()).toBe('2026-11-27T13:00:00.000Z');
    expect(await digestRows(shared, env)).toEqual(both(env, '2026-11-27T12:00:00.000Z'));
    expect(silent.errors).toEqual([]);
  });
});

import { like } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDigestQueries } from '../../../src/adapters/db/digest-queries.js';
import { type Database, openDatabase } from '../../../src/adapters/db/open.js';
import { outbox } from '../../../src/adapters/db/schema.js';
import { createDigestScheduler, type DigestSchedulerOptions } from '../../../src/bot/digest/runner.js';
import { UsageError } from '../../../src/errors.js';
import { createTestClock, type TestClock } from '../../support/clock.js';
import { freshPostgresDatabase, openTestDatabase } from '../../support/db.js';
import { digestConfig, text } from './fixtures.js';

const open: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function database(): Promise<Database> {
  const db = await openTestDatabase('pglite');
  open.push(db);
  return db;
}

function scheduler(
  db: Database,
  clock: TestClock,
  owner: string,
  extra: Partial<DigestSchedulerOptions> = {},
) {
  const errors: unknown[] = [];
  const digest = createDigestScheduler({
    config: digestConfig(),
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
async function digestRows(db: Database) {
  const rows = await db.db.select().from(outbox).where(like(outbox.key, 'digest:%'));
  return rows.map((r) => `${r.platform} ${r.channel} ${r.key}${r.superseded ? ' superseded' : ''}`).sort();
}

const both = (iso: string) => [`discord 4455 digest:lab:${iso}`, `slack C0LAB digest:lab:${iso}`];

describe('digest scheduler', () => {
  it('two processes on one database post each scheduled digest once between them', async () => {
    let dbA: Database;
    let dbB: Database;
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
      dbA = await database();
      dbB = dbA;
    }
    // Monday 23 November 2026, 08:30 in Berlin: Friday's digest is too late to post.
    const clock = createTestClock('2026-11-23T07:30:00Z');
    const a = scheduler(dbA, clock, 'process-a');
    const b = scheduler(dbB, clock, 'process-b');
    await Promise.all([a.tick(), b.tick()]);
    expect(await digestRows(dbA)).toEqual([]);

    const days = ['2026-11-23T08:00:00.000Z', '2026-11-24T08:00:00.000Z', '2026-11-25T08:00:00.000Z'];
    for (const day of days) {
      clock.set(day);
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      clock.advance(30_000);
      await Promise.all([a.tick(), b.tick()]);
    }
    expect(await digestRows(dbA)).toEqual(days.flatMap(both).sort());
    expect((await dbB.digests.last('lab'))?.scheduledAt.toISOString()).toBe(days.at(-1));
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('a process down over the scheduled times posts one catch-up digest when back', async () => {
    const db = await database();
    const monday = new Date('2026-11-23T08:00:00Z');
    await db.digests.claim('lab', monday, 'earlier', monday, 60_000);
    await db.digests.finish('lab', monday, new Date('2026-11-23T08:00:05Z'));
    // Back on Wednesday at 11:30 in Berlin: Tuesday's and Wednesday's 09:00 were missed.
    const clock = createTestClock('2026-11-25T10:30:00Z');
    const digest = scheduler(db, clock, 'returning');
    await digest.tick();
    await digest.tick();
    clock.advance(3_600_000);
    await digest.tick();
    expect(await digestRows(db)).toEqual(both('2026-11-25T08:00:00.000Z'));
    const [item] = await db.outbox.due('slack', clock.now(), 10);
    expect(text(item!.message.title)).toBe(
      'Digest lab, Wed 25 Nov 09:00 Europe/Berlin: quiet — no active upgrades, no open failures, nothing changed since the last digest.',
    );
    expect(text(item!.message.context)).toBe(
      'since Mon 23 Nov 09:00 Europe/Berlin · next digest Thu 26 Nov 09:00 Europe/Berlin',
    );
    expect(digest.errors).toEqual([]);
  });

  it('a run claimed by a process that died is posted by another once the claim is stale', async () => {
    const db = await database();
    const thursday = new Date('2026-11-26T08:00:00Z');
    expect(await db.digests.claim('lab', thursday, 'died', thursday, 60_000)).toBe(true);
    const clock = createTestClock(thursday);
    const digest = scheduler(db, clock, 'survivor');
    await digest.tick();
    clock.advance(59_999);
    await digest.tick();
    expect(await digestRows(db)).toEqual([]);
    clock.advance(2);
    await digest.tick();
    await digest.tick();
    expect(await digestRows(db)).toEqual(both(thursday.toISOString()));
    expect((await db.digests.last('lab'))?.scheduledAt).toEqual(thursday);
  });

  it('runs on the clock once started, and stops', async () => {
    const db = await database();
    const thursday = new Date('2026-11-26T08:00:00Z');
    await db.digests.claim('lab', thursday, 'earlier', thursday, 60_000);
    await db.digests.finish('lab', thursday, thursday);
    const clock = createTestClock('2026-11-27T07:00:00Z');
    const digest = scheduler(db, clock, 'loop', { pollMs: 60_000 });
    digest.start();
    await clock.sleeping();
    expect(await digestRows(db)).toEqual([]);
    clock.set('2026-11-27T08:00:30Z');
    await clock.sleeping();
    expect(await digestRows(db)).toEqual(both('2026-11-27T08:00:00.000Z'));
    await digest.stop();
    expect(clock.sleepers).toBe(0);
  });

  it('posts a digest now on request, and nothing when silent and quiet', async () => {
    const db = await database();
    const clock = createTestClock('2026-11-27T12:00:00Z');
    const digest = scheduler(db, clock, 'manual');
    expect(await digest.postDigestNow(undefined)).toBe('posting the lab digest to slack C0LAB, discord 4455');
    expect(await digestRows(db)).toEqual(both('2026-11-27T12:00:00.000Z'));
    expect((await db.digests.last('lab'))?.scheduledAt.toISOString()).toBe('2026-11-27T12:00:00.000Z');
    await expect(digest.postDigestNow('nowhere')).rejects.toBeInstanceOf(UsageError);
    expect(() => scheduler(db, clock, 'bad', { config: digestConfig({ timezone: 'Mars/Base' }) })).toThrow(
      /digest schedule "0 9 \* \* 1-5" in timezone "Mars\/Base" is not valid/,
    );

    const silent = scheduler(db, clock, 'silent', {
      config: digestConfig({ quiet: 'silent', cron: '0 14 * * *' }),
    });
    clock.set('2026-11-27T13:00:00Z');
    await silent.tick();
    expect((await db.digests.last('lab'))?.scheduledAt.toISOString()).toBe('2026-11-27T13:00:00.000Z');
    expect(await digestRows(db)).toEqual(both('2026-11-27T12:00:00.000Z'));
    expect(silent.errors).toEqual([]);
  });
});

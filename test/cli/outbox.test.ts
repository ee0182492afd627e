// `drover outbox [--json]` and `drover outbox retry <id>` against a real database: pending and
// dead messages listed with their error, a dead one queued again, bad input a usage error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/open.js';
import { main } from '../../src/cli.js';
import { openTestDatabase } from '../support/db.js';

// Two handles on one database at once: PostgreSQL only (npm test runs it when DATABASE_URL is set, as CI does).
describe.skipIf(!process.env.DATABASE_URL)('drover outbox', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['outbox', ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { DATABASE_URL: database.location },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('lists pending and dead messages, and sends a dead one again', async () => {
    expect((await run()).out).toBe('the outbox is empty: every message is delivered');
    const item = (key: string) => ({
      platform: 'slack' as const,
      channel: 'C1',
      key,
      threadOf: null,
      message: { summary: key },
    });
    await database.outbox.enqueue([item('failure:1'), item('upgrade:2')]);
    const [first] = await database.outbox.claim('slack', 'cli-test', new Date(), 1, 60_000);
    await database.outbox.dead(
      first!.id,
      'Slack: invalid_blocks',
      new Date('2026-12-01T10:00:00Z'),
      undefined,
    );

    const text = await run();
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^1 pending, 1 dead — `drover outbox retry <id>` sends a dead one again/);
    expect(text.out).toMatch(
      /dead\s+slack:C1 {2}failure:1 {2}\(1 attempt\(s\), dead since 2026-12-01T10:00:00\.000Z\) — Slack: invalid_blocks/,
    );

    const json = JSON.parse((await run('--json')).out) as { messages: Array<Record<string, unknown>> };
    expect(json.messages).toEqual([
      expect.objectContaining({
        id: first!.id,
        platform: 'slack',
        channel: 'C1',
        key: 'failure:1',
        state: 'dead',
        attempts: 1,
        lastError: 'Slack: invalid_blocks',
        deadAt: '2026-12-01T10:00:00.000Z',
        summary: 'failure:1',
      }),
      expect.objectContaining({ key: 'upgrade:2', state: 'pending', deadAt: null, lastError: null }),
    ]);

    const retried = await run('retry', String(first!.id));
    expect(retried).toMatchObject({ code: 0, out: `message ${first!.id} is queued again` });
    expect((await run('retry', String(first!.id))).code).toBe(1);
    expect((await run('retry', '424242')).err).toBe('no outbox message 424242');
    expect(await database.outbox.pending('slack')).toBe(2);

    const usage = await run('retry', 'x');
    expect(usage.code).not.toBe(0);
    expect(usage.err).toContain('usage: drover outbox');
  });
});

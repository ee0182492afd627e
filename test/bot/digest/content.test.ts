import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDigestQueries } from '../../../src/adapters/db/digest-queries.js';
import type { Database } from '../../../src/adapters/db/open.js';
import { digestContent, digestMessage } from '../../../src/bot/digest/content.js';
import { type DigestData, gatherDigest } from '../../../src/bot/digest/data.js';
import type { Config } from '../../../src/config/schema.js';
import { openTestDatabase } from '../../support/db.js';
import { commit, culprit, digestConfig, messageText, startUpgrade, text } from './fixtures.js';

const HOUR = 3_600_000;
const BERLIN = { timezone: 'Europe/Berlin', quiet: 'line' as const };

describe('digest content from a seeded store', () => {
  let database: Database;
  let config: Config;
  let data: DigestData;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    config = digestConfig();
    const { store } = database;

    // A: completed before the last digest — not in "since".
    const a = await startUpgrade(store, config);
    await commit(store, a, {
      upgrade: { state: 'completed' },
      events: [{ type: 'upgrade.completed', data: {} }],
    });
    const [aDone] = (await store.eventsAfter(0, 100)).filter((e) => e.type === 'upgrade.completed');
    const since = new Date(Math.max(Date.now(), aDone!.at.getTime() + 1));

    // B: a failure that was resolved, then rolled back.
    const b = await startUpgrade(store, config);
    const [fb] = await commit(store, b, {
      upgrade: { state: 'running' },
      failures: [
        {
          fingerprint: 'fb',
          service: 'keystone',
          phase: 'health',
          exitCode: 2,
          nodes: ['ctl-1'],
          outputTail: 'x',
        },
      ],
      events: [{ type: 'failure.opened', data: { fingerprint: 'fb' } }],
    });
    await commit(store, b, {
      upgrade: { state: 'rolled_back', reason: 'rolled back by ops' },
      failures: [{ id: fb!, state: 'resolved' }],
      events: [
        { type: 'failure.resolved', data: { failureId: fb } },
        { type: 'upgrade.rolled_back', data: {} },
      ],
    });
    // E: failed, leaving an open failure whose suspects include an unmapped author.
    const e = await startUpgrade(store, config);
    const [fe] = await commit(store, e, {
      upgrade: { state: 'failed', reason: 'aborted by fail-fast' },
      failures: [
        {
          fingerprint: 'fe',
          service: 'keystone',
          phase: 'upgrade',
          exitCode: 1,
          nodes: ['ctl-2'],
          outputTail: 'y',
        },
      ],
      events: [{ type: 'upgrade.failed', data: {} }],
    });
    await commit(store, e, {
      failures: [
        {
          id: fe!,
          culprit: {
            ...culprit('', '', '', ''),
            how: 'suspects',
            sha: null,
            shortSha: null,
            subject: null,
            authorName: null,
            authorEmail: null,
            suspects: [
              {
                sha: 'd'.repeat(40),
                subject: 'tune pools',
                authorName: 'Dave',
                authorEmail: 'dave@example.com',
              },
            ],
            note: 'cannot bisect on ctl-2',
          },
        },
      ],
      events: [],
    });
    // D: completed after the last digest.
    const d = await startUpgrade(store, config);
    await commit(store, d, {
      upgrade: { state: 'completed' },
      events: [{ type: 'upgrade.completed', data: {} }],
    });
    // C: active, paused on a failure; another failure acknowledged.
    const c = await startUpgrade(store, config);
    const [u1, u2, u3] = c.units;
    const [f1, f2] = await commit(store, c, {
      upgrade: { state: 'paused', reason: 'wave 3: 1 failed, more than maxFailures 0', currentWave: 2 },
      waves: [
        { index: 0, state: 'done' },
        { index: 1, state: 'done' },
        { index: 2, state: 'failed' },
      ],
      units: [
        { id: u1!.id, state: 'done' },
        { id: u2!.id, state: 'done' },
        { id: u3!.id, state: 'failed', phase: 'health' },
      ],
      failures: [
        {
          fingerprint: 'f1',
          service: 'nova-api',
          phase: 'health',
          exitCode: 3,
          nodes: ['ctl-1'],
          outputTail: 'z',
        },
        {
          fingerprint: 'f2',
          service: 'nova-compute',
          phase: 'upgrade',
          exitCode: 1,
          nodes: ['cmp-1', 'cmp-2'],
          outputTail: 'w',
        },
      ],
      versions: [
        { node: 'ctl-1', service: 'keystone', version: 'havana' },
        { node: 'ctl-2', service: 'keystone', version: 'havana' },
        { node: 'ctl-1', service: 'nova-api', version: 'grizzly' },
        { node: 'ctl-2', service: 'nova-api', version: 'grizzly' },
        { node: 'cmp-1', service: 'nova-compute', version: 'grizzly' },
        { node: 'cmp-2', service: 'nova-compute', version: 'grizzly' },
        { node: 'cmp-3', service: 'nova-compute', version: 'grizzly' },
        { node: 'cmp-4', service: 'nova-compute', version: 'havana' },
      ],
      events: [{ type: 'upgrade.paused', data: {} }],
    });
    await commit(store, c, {
      failures: [
        { id: f1!, culprit: culprit('b'.repeat(40), 'raise api workers', 'Bob', 'bob@example.com') },
        {
          id: f2!,
          culprit: culprit('a'.repeat(40), 'new compute driver', 'Alice', 'ALICE@example.com'),
          state: 'acked',
          ackedBy: 'U01CAROL',
          ackedAt: new Date(),
          ackNote: 'on it',
        },
      ],
      events: [],
    });
    Object.assign(ids, {
      a: a.upgrade.id,
      b: b.upgrade.id,
      c: c.upgrade.id,
      d: d.upgrade.id,
      e: e.upgrade.id,
    });
    Object.assign(ids, { fb: fb!, fe: fe!, f1: f1!, f2: f2! });

    const now = new Date(Date.now() + 5 * HOUR + 60_000);
    data = await gatherDigest({ store, queries: createDigestQueries(database.db) }, 'lab', {
      at: new Date('2026-11-25T08:00:00Z'),
      now,
      since,
      next: new Date('2026-11-26T08:00:00Z'),
    });
  });

  afterAll(async () => {
    await database?.close();
  });

  it('reads active upgrades, unresolved failures across upgrades, versions and what changed since', () => {
    expect(data.active.map((s) => s.upgrade.id)).toEqual([ids.c]);
    expect(data.failures.map((f) => f.failure.id)).toEqual([ids.fe, ids.f1, ids.f2]);
    expect(data.completed.map((u) => u.id)).toEqual([ids.d]);
    expect(data.rolledBack.map((u) => u.id)).toEqual([ids.b]);
    expect(data.resolved.map((f) => f.failure.id)).toEqual([ids.fb]);
  });

  it('shows every section, in order, with mentions for mapped people', () => {
    const message = digestMessage(data, config, BERLIN)!;
    const lines = (message.lines ?? []).map(text);
    expect(text(message.title)).toBe('*Digest: lab* — Wed 25 Nov 09:00 Europe/Berlin');
    expect(text(message.context)).toContain('next digest Thu 26 Nov 09:00 Europe/Berlin');
    const headers = lines.filter((l) => /^\*[A-Z]/.test(l));
    expect(headers).toEqual([
      '*Active upgrades (1)*',
      '*Open failures (3)*',
      '*Version map*',
      '*Since the last digest*',
      '*Unmapped commit authors (add them to `people:`)*',
    ]);
    const section = (header: string) => {
      const start = lines.indexOf(headers.find((h) => h.includes(header))!);
      const end = lines.findIndex((l, i) => i > start && headers.includes(l));
      return lines.slice(start + 1, end === -1 ? undefined : end);
    };

    expect(section('Active')).toEqual([
      `*#${ids.c} grizzly → havana* (rolling) \`[#####...............]\` waves 2/8 done · nodes 2 done, 1 failed, 5 pending`,
      '  state: paused — wave 3: 1 failed, more than maxFailures 0; next: paused: `/upgrade resume`, `retry <node>` or `rollback` to go on',
    ]);

    const failures = section('Open failures');
    expect(failures).toHaveLength(6);
    expect(failures[0]).toMatch(
      new RegExp(
        `^\\*#${ids.fe}\\* keystone upgrade \\(exit 1\\) on ctl-2 · 5 hours old · upgrade #${ids.e} → havana · \\*unacknowledged for 5 hours\\*$`,
      ),
    );
    expect(failures[1]).toContain('suspects: `ddddddd` tune pools (Dave)');
    expect(failures[2]).toMatch(
      /nova-api health \(exit 3\) on ctl-1 · 5 hours old .*\*unacknowledged for 5 hours\*$/,
    );
    expect(failures[3]).toBe(
      '  commit: `bbbbbbb` raise api workers — by Bob <bob@example.com> (bisected in 3 probe(s))',
    );
    expect(failures[4]).toMatch(
      /nova-compute upgrade \(exit 1\) on cmp-1, cmp-2 · 5 hours old .* acked by <@U01CAROL> \(“on it”\)$/,
    );
    expect(failures[5]).toBe(
      '  commit: `aaaaaaa` new compute driver — by <@U01ALICE> (bisected in 3 probe(s))',
    );

    expect(section('Version map')).toEqual([
      '*keystone*: 2× havana',
      '*nova-api*: 2× grizzly',
      '*nova-compute*: 1× havana, 3× grizzly (mixed)',
    ]);
    expect(section('Since the last digest')).toEqual([
      `completed: #${ids.d} → havana`,
      `rolled back: #${ids.b} → havana — rolled back by ops`,
      `failure resolved: #${ids.fb} keystone health on ctl-1`,
    ]);
    expect(section('Unmapped')).toEqual(['Dave <dave@example.com>', 'Bob <bob@example.com>']);
    expect(message.summary).toBe(
      'Digest lab, Wed 25 Nov 09:00 Europe/Berlin: 1 active upgrade(s), 3 open failure(s), 2 unacknowledged',
    );
  });

  it('says when an upgrade waits at a gate for `step`', () => {
    const [snapshot] = data.active;
    const gated = {
      ...snapshot!,
      upgrade: { ...snapshot!.upgrade, state: 'running' as const, reason: 'wave 2 done' },
      waves: snapshot!.waves.map((w) => (w.index === 2 ? { ...w, state: 'gated' as const } : w)),
    };
    const lines = digestMessage({ ...data, active: [gated] }, config, BERLIN)!.lines!.map(text);
    expect(lines).toContain('  state: running — wave 2 done; next: waiting for `/upgrade step`');
  });

  it('splits a digest longer than the limit into parts within it, cutting the rest with a note', () => {
    const whole = digestContent(data, config, { ...BERLIN, maxChars: 100_000 });
    expect(whole).toHaveLength(1);
    const limits = { maxChars: 600, maxLines: 6, maxParts: 3 };
    const parts = digestContent(data, config, { ...BERLIN, ...limits });
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(messageText(part).length).toBeLessThanOrEqual(limits.maxChars);
      expect(part.lines!.length).toBeLessThanOrEqual(limits.maxLines);
    }
    expect(parts.map((p) => p.summary.slice(-10))).toEqual(['(part 1/3)', '(part 2/3)', '(part 3/3)']);
    const shown = parts.flatMap((p) => p.lines!.map(text));
    const all = whole[0]!.lines!.map(text);
    expect(shown.slice(0, -1)).toEqual(all.slice(0, shown.length - 1));
    expect(shown.at(-1)).toBe(
      `… ${all.length - (shown.length - 1)} more line(s) not shown: the digest was cut to fit this platform; \`/upgrade status\` has the rest`,
    );
    expect(parts.at(-1)!.context).toEqual(whole[0]!.context);
    // A line longer than a message is cut, not rejected.
    const long = digestContent(
      { ...data, rolledBack: [{ ...data.rolledBack[0]!, reason: 'x'.repeat(5000) }] },
      config,
      { ...BERLIN, maxChars: 1000, maxParts: 10 },
    );
    for (const part of long) expect(messageText(part).length).toBeLessThanOrEqual(1000);
    expect(long.flatMap((p) => p.lines!.map(text)).find((l) => l.startsWith('rolled back'))).toMatch(/x…$/);
  });

  it('says one line when nothing happened, or nothing when configured silent', () => {
    const quiet: DigestData = {
      ...data,
      active: [],
      failures: [],
      completed: [],
      rolledBack: [],
      resolved: [],
    };
    const [line, ...rest] = digestContent(quiet, config, { ...BERLIN, maxChars: 3000 });
    expect(rest).toEqual([]);
    expect(line!.lines ?? []).toEqual([]);
    expect(text(line!.title)).toBe(
      'Digest lab, Wed 25 Nov 09:00 Europe/Berlin: quiet — no active upgrades, no open failures, nothing changed since the last digest.',
    );
    expect(digestContent(quiet, config, { ...BERLIN, quiet: 'silent', maxChars: 3000 })).toEqual([]);
    // An active upgrade alone is not quiet.
    expect(
      digestContent({ ...quiet, active: data.active }, config, {
        ...BERLIN,
        quiet: 'silent',
        maxChars: 3000,
      }),
    ).toHaveLength(1);
    // Nor is a held environment: the lock opens the digest with holder, age and reason.
    const lock = {
      environment: 'lab',
      holderId: 'slack:U1',
      holderName: 'Alice',
      reason: 'db migration',
      since: new Date(data.now.getTime() - 3 * 3_600_000),
    };
    const [locked] = digestContent({ ...quiet, lock }, config, {
      ...BERLIN,
      quiet: 'silent',
      maxChars: 3000,
    });
    expect(text(locked!.lines![0])).toBe('🔒 lab is locked by Alice for 3h: db migration');
  });
});

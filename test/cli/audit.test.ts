// `drover audit` reads back what real verbs wrote: `drover plan`/`upgrade …` child processes write the
// rows through the dispatcher, `drover audit` exports them (JSON lines in docs/json.md's shape,
// or an aligned table), on the embedded database and, with DATABASE_URL, on PostgreSQL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditQuery, auditPages } from '../../src/adapters/db/governance-audit.js';
import { openDatabase } from '../../src/adapters/db/open.js';
import { parseSince } from '../../src/cli/audit-command.js';
import { drover } from '../support/child.js';
import { type Backend, backends, freshMigratedPostgres } from '../support/db.js';
import { type Lab, startLab } from '../support/lab.js';

/** The example lines of docs/json.md's `audit --json` section. */
function documentedLines(): Record<string, unknown>[] {
  const doc = readFileSync(new URL('../../docs/json.md', import.meta.url), 'utf8');
  const section = doc.split('## `audit --json`')[1] ?? '';
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

describe.each(backends())('drover audit (%s)', (backend: Backend) => {
  let lab: Lab;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void> = async () => undefined;
  const run = (...args: string[]) => drover([...args], { cwd: lab.root, env });

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    // The CLI opens its own database: the lab's directory (PGlite) or a server database.
    await lab.database.close();
    if (backend === 'postgres') {
      const fresh = await freshMigratedPostgres();
      drop = fresh.drop;
      env = { DATABASE_URL: fresh.url };
    } else env = { DATABASE_URL: '' };
  });
  afterAll(async () => {
    await lab?.fleet.close();
    await drop();
  });

  it('exports what the verbs wrote, oldest first, filtered by environment, time and count', async () => {
    const config = ['--config', lab.configPath];
    const planned = await run('plan', 'havana', '--env', 'lab', '--json', ...config);
    expect(planned.code, planned.err).toBe(0);
    expect(JSON.parse(planned.out)).toMatchObject({
      environment: 'lab',
      release: 'havana',
      from: 'grizzly',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      order: ['keystone', 'nova-api', 'nova-compute'],
    });
    const started = await run('upgrade', 'start', 'havana', '--env', 'lab', '--wait', '--json', ...config);
    expect(started.code, started.err).toBe(0);
    const id = (JSON.parse(started.out) as { id: number }).id;
    const refused = await run('upgrade', 'pause', '--id', String(id), ...config);
    expect(refused.code).toBe(1);

    const all = await run('audit', '--json');
    expect(all.code, all.err).toBe(0);
    const lines = all.out.trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({
        verb: 'plan',
        arguments: { release: 'havana', env: 'lab' },
        outcome: 'ok',
        upgradeId: null,
      }),
      {
        id: expect.any(Number),
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        environment: 'lab',
        actor: expect.any(String),
        actorId: expect.stringMatching(/^cli:.+@.+$/),
        platform: 'cli',
        verb: 'start',
        arguments: { release: 'havana', env: 'lab' },
        outcome: 'ok',
        upgradeId: id,
        requestId: null,
      },
      expect.objectContaining({
        verb: 'pause',
        arguments: { id },
        outcome: expect.stringMatching(/^refused: .*completed, not running/),
        upgradeId: id,
        environment: 'lab',
      }),
    ]);
    const times = entries.map((entry) => Date.parse(String(entry.time)));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Every line has docs/json.md's keys, each value of a type the documented lines show.
    const documented = documentedLines();
    expect(documented.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(Object.keys(documented[0]!).sort());
      for (const [key, value] of Object.entries(entry))
        expect(
          documented.map((line) => kind(line[key])),
          key,
        ).toContain(kind(value));
    }

    const newest = await run('audit', '--limit', '1', '--json');
    expect(
      newest.out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).verb),
    ).toEqual(['pause']);
    const recent = await run('audit', '--since', '1h', '--env', 'lab', '--json');
    expect(recent.out.trim().split('\n')).toHaveLength(3);
    // An ISO time keeps the entries written at or after it: here, from the start on.
    const fromStart = await run('audit', '--since', String(entries[1]!.time), '--json');
    expect(
      fromStart.out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual(entries.slice(1).map((entry) => entry.id));
    const elsewhere = await run('audit', '--env', 'production', '--json');
    expect(elsewhere).toMatchObject({ code: 0, out: '' });
    const future = await run('audit', '--since', '2099-01-01T00:00:00Z', '--json');
    expect(future).toMatchObject({ code: 0, out: '' });

    // Read a page at a time, the pages hold the same entries (the CLI's page is 1000 rows).
    const database = await openDatabase({ env, dataDir: join(lab.root, '.drover', 'db') });
    try {
      const ids = async (query: AuditQuery) => {
        const pages: number[][] = [];
        for await (const page of auditPages(database.db, query, 2)) pages.push(page.map((entry) => entry.id));
        return pages;
      };
      const [plan, start, pause] = entries.map((entry) => entry.id as number);
      expect(await ids({})).toEqual([[plan, start], [pause]]);
      expect(await ids({ limit: 2 })).toEqual([[start, pause]]);
      expect(await ids({ limit: 10, environment: 'lab' })).toEqual([[plan, start], [pause]]);
      expect(await ids({ environment: 'production' })).toEqual([]);
    } finally {
      await database.close();
    }

    // The table: a header and a line per entry, each column starting where its title does.
    const table = await run('audit');
    expect(table.code, table.err).toBe(0);
    const [header, ...rows] = table.out.trimEnd().split('\n');
    expect(rows).toHaveLength(3);
    expect(header).toMatch(/^TIME \(UTC\)\s+ENVIRONMENT\s+ACTOR\s+UPGRADE\s+REQUEST\s+COMMAND\s+OUTCOME$/);
    expect(rows[0]!.indexOf('plan havana env=lab')).toBe(header!.indexOf('COMMAND'));
    expect(rows[1]!.indexOf('start havana env=lab')).toBe(header!.indexOf('COMMAND'));
    expect(rows[2]!.indexOf('pause id=')).toBe(header!.indexOf('COMMAND'));
    expect(rows[2]!.indexOf('refused:')).toBe(header!.indexOf('OUTCOME'));
    expect(rows[1]!.indexOf(`#${id}`)).toBe(header!.indexOf('UPGRADE'));
  }, 180_000);

  it('refuses a --since it cannot read with a usage line, exit 64', async () => {
    const wrong = await run('audit', '--since', 'yesterday');
    expect(wrong.code).toBe(64);
    expect(wrong.err).toMatch(/--since.*'yesterday' is invalid/);
    expect(wrong.err).toMatch(/^usage: drover audit \[options\]$/m);
    expect(wrong.err).not.toMatch(/\n\s+at /);
  });
});

describe('drover audit --since', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('reads a duration back from now, or an ISO date or time (UTC unless it names an offset)', () => {
    expect(parseSince('24h', now).toISOString()).toBe('2026-12-06T12:00:00.000Z');
    expect(parseSince('30d', now).toISOString()).toBe('2026-11-07T12:00:00.000Z');
    expect(parseSince('2026-12-01', now).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('2026-12-01T09:00', now).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(parseSince('2026-12-01 09:00:30', now).toISOString()).toBe('2026-12-01T09:00:30.000Z');
    expect(parseSince('2026-12-01T09:00+01:00', now).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseSince('2026-12-01T09:00-0130', now).toISOString()).toBe('2026-12-01T10:30:00.000Z');
    for (const wrong of ['yesterday', '7w', '2026-13-45', '2026-12-01T25:00', ''])
      expect(() => parseSince(wrong, now), wrong).toThrow(/expected a duration/);
  });
});

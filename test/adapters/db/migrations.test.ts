import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateCommand, openDatabase } from '../../../src/adapters/db/open.js';
import { makePlan } from '../../../src/engine/plan.js';
import { DatabaseLockedError } from '../../../src/errors.js';
import { openstackConfig } from '../../support/config.js';
import { freshPostgresDatabase, openTestDatabase } from '../../support/db.js';

const DESTRUCTIVE = [
  /\bdrop\s+table\b/i,
  /\bdrop\s+column\b/i,
  /\balter\s+column\s+\S+\s+(set\s+data\s+)?type\b/i,
  /\brename\b/i,
  /\btruncate\b/i,
];
const server = process.env.DATABASE_URL;

describe('migrations', () => {
  it('never destroy data unless a file says why (-- breaking-change: <reason>)', () => {
    const files = readdirSync(MIGRATIONS).filter((file) => file.endsWith('.sql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(join(MIGRATIONS, file), 'utf8');
      if (/^--\s*breaking-change:\s*\S+/m.test(text)) continue;
      for (const pattern of DESTRUCTIVE)
        expect(
          text,
          `${file} has a destructive statement (${pattern}) without a breaking-change marker`,
        ).not.toMatch(pattern);
    }
  });

  it('drover migrate on PGlite applies them once; a second run is a no-op; a second process is refused', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'drover-migrate-')), 'db');
    const first = await migrateCommand({}, dir);
    expect(first).toMatch(/^migrations up to date on pglite .*: 1 applied$/);
    expect(await migrateCommand({}, dir)).toBe(first);
    const held = await openDatabase({ env: {}, dataDir: dir });
    try {
      await expect(openDatabase({ env: {}, dataDir: dir })).rejects.toBeInstanceOf(DatabaseLockedError);
      await expect(openDatabase({ env: {}, dataDir: dir })).rejects.toThrow(`${process.pid}@`);
    } finally {
      await held.close();
    }
    const reopened = await openDatabase({ env: {}, dataDir: dir });
    await reopened.close();
  }, 120_000);

  it.runIf(server)(
    'on PostgreSQL: four processes migrating at once all succeed, and a second run is a no-op',
    async () => {
      const { url, drop } = await freshPostgresDatabase();
      try {
        const script = `import { migrateCommand } from './src/adapters/db/open.ts'; console.log(await migrateCommand({ DATABASE_URL: process.env.TARGET }, 'unused'));`;
        const runs = await Promise.all(
          [1, 2, 3, 4].map(
            () =>
              new Promise<{ code: number | null; out: string }>((resolve) => {
                const child = spawn(
                  process.execPath,
                  ['--import', 'tsx', '--input-type=module', '-e', script],
                  { env: { ...process.env, TARGET: url }, cwd: process.cwd() },
                );
                let out = '';
                child.stdout.on('data', (chunk) => (out += chunk));
                child.stderr.on('data', (chunk) => (out += chunk));
                child.on('close', (code) => resolve({ code, out }));
              }),
          ),
        );
        for (const run of runs) expect(run, run.out).toMatchObject({ code: 0 });
        expect(runs.every((run) => run.out.includes('1 applied'))).toBe(true);
        expect(await migrateCommand({ DATABASE_URL: url }, 'unused')).toMatch(/1 applied$/);
      } finally {
        await drop();
      }
    },
    120_000,
  );
});

describe.runIf(server)('races on the real server', () => {
  it('ten concurrent commits at one revision: exactly one wins', async () => {
    const database = await openTestDatabase('postgres');
    try {
      const plan = makePlan({
        config: openstackConfig(),
        environment: 'lab',
        release: 'havana',
        options: {},
        versions: new Map(),
      });
      const snapshot = await database.store.createUpgrade(
        { environment: 'lab', release: 'havana', plan, startedBy: 'ops', reason: '' },
        { type: 'command', data: {} },
      );
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          database.store.commit(snapshot.upgrade.id, 0, {
            upgrade: { reason: `writer ${i}` },
            events: [{ type: 'command', data: { i } }],
          }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const after = await database.store.load(snapshot.upgrade.id);
      expect(after!.upgrade.revision).toBe(1);
      expect((await database.store.eventsAfter(0, 100)).filter((e) => e.type === 'command')).toHaveLength(2);
    } finally {
      await database.close();
    }
  });

  it('concurrent digest claims and event dedup: one winner each', async () => {
    const database = await openTestDatabase('postgres');
    try {
      const at = new Date('2030-01-01T09:00:00Z');
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => database.digests.claim('lab', at, `p${i}`, at, 60_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      const seen = await Promise.all(
        Array.from({ length: 8 }, () => database.dedup.firstSeen('slack', 'Ev9', at)),
      );
      expect(seen.filter(Boolean)).toHaveLength(1);
    } finally {
      await database.close();
    }
  });
});

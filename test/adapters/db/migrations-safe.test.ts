// Migrations never destroy data unless the file says why, and land in order.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/adapters/db/migrate.js';

const DESTRUCTIVE: Array<[string, RegExp]> = [
  ['DROP TABLE', /\bdrop\s+table\b/i],
  ['DROP COLUMN', /\bdrop\s+column\b/i],
  ['ALTER COLUMN … TYPE', /\balter\s+column\s+\S+\s+(set\s+data\s+)?type\b/i],
  ['RENAME', /\brename\b/i],
  ['TRUNCATE', /\btruncate\b/i],
];
const MARKER = /^--\s*breaking-change:\s*\S+/m;

/** The destructive statements of a migration file that carries no breaking-change marker. */
function unmarkedDestructive(text: string): string[] {
  if (MARKER.test(text)) return [];
  const code = text.replace(/--.*$/gm, '');
  return DESTRUCTIVE.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
}

describe('migrations are safe', () => {
  const files = readdirSync(MIGRATIONS).filter((file) => file.endsWith('.sql'));

  it('the check itself sees destructive statements and honours the marker', () => {
    expect(unmarkedDestructive('ALTER TABLE "outbox" DROP COLUMN "superseded";')).toEqual(['DROP COLUMN']);
    expect(unmarkedDestructive('ALTER TABLE "a" ALTER COLUMN "b" SET DATA TYPE bigint;')).toEqual([
      'ALTER COLUMN … TYPE',
    ]);
    expect(unmarkedDestructive('ALTER TABLE "a" RENAME TO "b";')).toEqual(['RENAME']);
    expect(unmarkedDestructive('DROP TABLE "a";')).toEqual(['DROP TABLE']);
    expect(unmarkedDestructive('-- breaking-change: audit moved to its own table\nDROP TABLE "a";')).toEqual(
      [],
    );
    expect(unmarkedDestructive('ALTER TABLE "a" ADD COLUMN "b" bigint;')).toEqual([]);
  });

  it('no migration destroys data without a `-- breaking-change: <reason>` line', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files)
      expect(unmarkedDestructive(readFileSync(join(MIGRATIONS, file), 'utf8')), file).toEqual([]);
  });

  it('the journal lists every file once, in order of time (the migrator skips one merged out of order)', () => {
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as {
      entries: Array<{ idx: number; when: number; tag: string }>;
    };
    expect(journal.entries.map((e) => `${e.tag}.sql`).sort()).toEqual([...files].sort());
    journal.entries.forEach((entry, i) => {
      expect(entry.idx).toBe(i);
      if (i > 0) expect(entry.when).toBeGreaterThan(journal.entries[i - 1]!.when);
    });
  });
});

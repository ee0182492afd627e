// `drover console` as a child process, fed hostile lines through a pipe: NUL bytes, carriage
// returns, prototype names (defects 1–3 of "every boundary holds"). Each gets a usage line or
// a refusal, the console goes on answering, and the database is unchanged but for the audit.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/db/open.js';
import { freshPostgresDatabase } from '../support/db.js';
import { type Lab, startLab } from '../support/lab.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

function droverChild(
  args: string[],
  options: { input: string; cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, DATABASE_URL: '', ...options.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(options.input);
  });
}

describe('drover console at the boundary', () => {
  let lab: Lab;
  let database: { url: string; drop: () => Promise<void> } | undefined;

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    if (process.env.DATABASE_URL) database = await freshPostgresDatabase();
  });
  afterAll(async () => {
    await lab?.close();
    await database?.drop();
  });

  it('refuses NUL, carriage returns and prototype names with one line each, and keeps answering', async () => {
    const lines = [
      'status x\u0000',
      "rollback \r ''",
      'as alice ack \u0000',
      'start havana\u001b[2K',
      'plan havana env=constructor',
      'plan havana env=valueOf',
      'plan havana env=hasOwnProperty',
      'plan havana env=__proto__',
      'plan constructor',
      'start havana env=constructor',
      'retry constructor',
      'as alice digest env=constructor',
      'status',
    ];
    const { code, out, err } = await droverChild(['console', '--config', lab.configPath], {
      input: `${lines.join('\n')}\n`,
      cwd: lab.root,
      env: database ? { DATABASE_URL: database.url } : {},
    });
    expect(code, err).toBe(0);
    expect(err).not.toMatch(/TypeError|\n\s+at /);
    expect(out).toContain(
      '↪ (only you) the command holds a control character (U+0000 at 9). usage: /upgrade',
    );
    expect(out).toContain('↪ (only you) the command holds a control character (U+000D at 10)');
    expect(out).toContain('↪ (only you) the command holds a control character (U+001B at 13)');
    expect(out.match(/unknown environment "(constructor|valueOf|hasOwnProperty)"/g)).toHaveLength(4);
    expect(out).toMatch(/env: a name of letters, digits/);
    expect(out).toContain('unknown release "constructor"');
    expect(out).toMatch(/status\n {2}↪ \(only you\) no upgrades yet/);
    expect(out).not.toContain('rolling back');

    const opened = await openDatabase({
      env: database ? { DATABASE_URL: database.url } : {},
      dataDir: `${lab.root}/.drover/db`,
    });
    try {
      const count = async (table: string) => {
        const rows = await opened.db.execute(`select count(*)::int as n from ${table}`);
        const list = Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows;
        return (list[0] as { n: number }).n;
      };
      expect(await count('upgrades')).toBe(0);
      expect(await count('events')).toBe(0);
      // Every refused line is on record, its control characters replaced.
      expect(await count('audit_log')).toBeGreaterThanOrEqual(lines.length - 1);
      const audit = await opened.db.execute(
        "select args::text as a from audit_log where args::text like '%status x%'",
      );
      const list = Array.isArray(audit) ? audit : (audit as { rows: unknown[] }).rows;
      expect(JSON.stringify(list)).toContain('status x\ufffd');
    } finally {
      await opened.close();
    }
  }, 180_000);
});

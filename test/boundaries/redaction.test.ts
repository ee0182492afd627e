// Redaction end to end: a node's health check prints every secret shape of the corpus (drover's
// own secrets among them, as `drover serve`'s environment holds them) and fails. Nothing of
// any secret reaches what the fake Slack received, any row of any table of the database, or
// `drover upgrade status --json`; the output itself does get through, redacted. `drover serve`
// and the CLI as child processes on the lab's embedded database, one after the other.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/adapters/db/db.js';
import { type Database, openDatabase } from '../../src/adapters/db/open.js';
import { slackClient, startFakeSlack } from '../support/fake-slack.js';
import { startLab } from '../support/lab.js';
import { OWN_SECRETS, SECRET_CORPUS } from '../support/secret-corpus.js';
import { serveChild } from '../support/serve-child.js';
import { until } from '../support/wait.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

/** The pieces of secrets that survive in `text`: any 8 characters in a row (all of a shorter one). */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const sample of SECRET_CORPUS) {
    const size = Math.min(8, sample.secret.length);
    for (let i = 0; i + size <= sample.secret.length; i += 1) {
      const piece = sample.secret.slice(i, i + size);
      if (text.includes(piece)) {
        found.push(`${sample.name}: ${piece}`);
        break;
      }
    }
  }
  return found;
}

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd,
      env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('a phase printing secrets', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('leaks none of them into Slack, the database or status --json', async () => {
    const lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    cleanups.push(() => lab.close());
    const node = lab.fleet.nodes.find((n) => n.name.startsWith('cmp'))!;
    writeFileSync(
      join(node.dir, 'secrets.txt'),
      `${SECRET_CORPUS.map((sample) => sample.line).join('\n')}\n`,
    );
    writeFileSync(join(node.dir, 'health-hook'), 'cat secrets.txt; echo "health check failed" >&2; exit 1\n');
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    const env = {
      DATABASE_URL: '',
      SLACK_BOT_TOKEN: OWN_SECRETS.SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: OWN_SECRETS.SLACK_SIGNING_SECRET,
      DROVER_WEBHOOK_SECRET: OWN_SECRETS.DROVER_WEBHOOK_SECRET,
      DROVER_SSH_PASSPHRASE: OWN_SECRETS.DROVER_SSH_PASSPHRASE,
      SLACK_API_URL: slack.apiUrl,
    };
    const serve = serveChild(lab.configPath, lab.root, env);
    cleanups.push(async () => {
      serve.child.kill('SIGKILL');
      await serve.exit;
    });
    const port = await serve.port;
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200,
      'serve to be ready',
      60_000,
    );
    const client = slackClient(
      `http://127.0.0.1:${port}/slack/events`,
      OWN_SECRETS.SLACK_SIGNING_SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );
    expect((await client.command('U0OPS', 'start havana')).json().text).toMatch(/^upgrade #1 started/);
    const failure = await until(
      () => slack.messages.find((m) => !m.thread_ts && m.text.startsWith('Failure #1')),
      'the failure post',
      60_000,
    );
    // The output made it into the post, redacted.
    await until(() => JSON.stringify(failure.blocks).includes('[redacted]'), 'the output in the post');
    serve.child.kill('SIGTERM');
    expect(await serve.exit).toBe(0);

    // What Slack received: every call's body (posts, edits, replies), not only what it shows.
    const received = JSON.stringify(slack.calls);
    expect(received).toContain('[redacted]');
    expect(leaks(received)).toEqual([]);

    const status = await run(['upgrade', 'status', '--json', '--config', lab.configPath], lab.root);
    expect(status.code).toBe(0);
    expect(status.out).toContain('[redacted]');
    expect(leaks(status.out)).toEqual([]);

    // Every row of every table, as text.
    const database: Database = await openDatabase({ env: {}, dataDir: join(lab.root, '.drover', 'db') });
    cleanups.push(() => database.close());
    const tables = rowsOf<{ name: string }>(
      await database.db.execute(
        sql`select table_name as name from information_schema.tables where table_schema = 'public'`,
      ),
    ).map((row) => row.name);
    expect(tables).toEqual(
      expect.arrayContaining(['phase_runs', 'failures', 'outbox', 'events', 'audit_log']),
    );
    let stored = '';
    for (const table of tables) {
      const rows = rowsOf<{ row: string }>(
        await database.db.execute(sql`select row_to_json(t)::text as row from ${sql.identifier(table)} t`),
      );
      stored += rows.map((r) => r.row).join('\n');
    }
    expect(stored).toContain('[redacted]');
    expect(leaks(stored)).toEqual([]);
  }, 240_000);
});

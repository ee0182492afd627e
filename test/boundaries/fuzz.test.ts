// A bounded, seeded fuzz suite over the command boundary: generated lines through the
// dispatcher (in this process, the real engine API and store), the console (a child process),
// Slack (signed requests through the real Bolt app) and Discord (its option shapes), 1,000 of
// each. Malformed lines get a usage line, nothing throws, and the store is as it was.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock.js';
import type { Database } from '../../src/adapters/db/open.js';
import { requestFromOptions } from '../../src/adapters/discord/commands.js';
import { createDispatcher, type Dispatcher } from '../../src/bot/dispatch.js';
import { type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import type { Actor } from '../../src/engine/types.js';
import { createUpgrades } from '../../src/engine/upgrades.js';
import { openstackConfig, openstackYaml } from '../support/config.js';
import { freshPostgresDatabase, openTestDatabase } from '../support/db.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../support/fake-slack.js';
import {
  anyLine,
  discordOptions,
  discordSubcommand,
  discordValue,
  FUZZ_SEED,
  malformedLine,
  readOnlyLine,
} from '../support/fuzz-lines.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

/** What the store holds apart from the audit log: it must not move under refused input. */
async function state(database: Database): Promise<string> {
  const tables = ['upgrades', 'waves', 'units', 'failures', 'events', 'outbox', 'node_versions'];
  const counts: string[] = [];
  for (const table of tables) {
    const rows = await database.db.execute(`select count(*)::int as n from ${table}`);
    const list = Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows;
    counts.push(`${table}=${(list[0] as { n: number }).n}`);
  }
  return counts.join(' ');
}

const OPS: Actor = { id: 'slack:U0OPS', platform: 'slack', name: 'ops' };
const DEV: Actor = { id: 'slack:U0DEV', platform: 'slack', name: 'dev' };
const STRANGER: Actor = { id: 'discord:123', platform: 'discord', name: 'stranger' };

describe('fuzzing the dispatcher', () => {
  let database: Database;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    const config = openstackConfig();
    database = await openTestDatabase();
    const upgrades = createUpgrades({ config, store: database.store, clock: systemClock });
    dispatcher = createDispatcher({ upgrades, store: database.store, config });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers 1,000 generated lines without throwing; malformed ones get a usage line; nothing changes', async () => {
    const before = await state(database);
    const malformed = fc.sample(malformedLine, { seed: FUZZ_SEED, numRuns: 500 });
    for (const line of malformed) {
      const reply = await dispatcher.handle(OPS, line);
      expect(reply.ok, line).toBe(false);
      expect(reply.text, line).toMatch(/usage: \/upgrade/);
    }
    // Anything at all from people who may not change anything: read or be refused.
    const lines = fc.sample(anyLine, { seed: FUZZ_SEED + 1, numRuns: 500 });
    for (const line of lines) {
      const reply = await dispatcher.handle(DEV, line);
      expect(typeof reply.text, line).toBe('string');
      expect(reply.text.length, line).toBeGreaterThan(0);
    }
    expect(await state(database)).toBe(before);
  }, 180_000);

  it('takes generated Discord option values the same way', async () => {
    const before = await state(database);
    const shapes = fc.sample(
      fc.tuple(discordSubcommand, discordOptions(fc.oneof(discordValue, fc.constant(null)))),
      { seed: FUZZ_SEED + 2, numRuns: 1000 },
    );
    for (const [verb, options] of shapes) {
      const input = requestFromOptions(verb, (name) =>
        Object.hasOwn(options, name) ? (options[name] ?? null) : null,
      );
      const reply = await dispatcher.handle(STRANGER, input, {
        origin: { platform: 'discord', channel: '42', direct: false },
      });
      expect(typeof reply.text).toBe('string');
    }
    expect(await state(database)).toBe(before);
  }, 120_000);
});

describe('fuzzing the console and Slack', () => {
  const root = mkdtempSync(join(tmpdir(), 'drover-fuzz-'));
  const configPath = join(root, 'drover.yaml');
  let slack: FakeSlack;
  let serving: Serving;
  beforeAll(async () => {
    writeFileSync(configPath, openstackYaml());
  });
  afterAll(async () => {
    await serving?.stop();
    await slack?.close();
  });

  it('the console answers 1,000 generated lines, one reply each, and starts nothing', async () => {
    const lines = fc
      .sample(fc.oneof(malformedLine, readOnlyLine), { seed: FUZZ_SEED + 3, numRuns: 1000 })
      .map((line) => line.replace(/\n/g, ' '))
      .filter((line) => {
        const t = line.trim();
        return t !== '' && !t.startsWith('#') && !/^(quit|exit)$/.test(t) && !/^as\s/.test(t);
      });
    // A PostgreSQL server when the suite has one (faster than the embedded database per line).
    const server = process.env.DATABASE_URL ? await freshPostgresDatabase() : undefined;
    const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>(
      (resolve) => {
        const child = spawn(process.execPath, ['--import', TSX, CLI, 'console', '--config', configPath], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: server?.url ?? '' },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.stderr.on('data', (chunk) => (err += chunk));
        child.on('close', (code) => resolve({ code, out, err }));
        child.stdin.end(`${lines.join('\n')}\nstatus\n`);
      },
    );
    await server?.drop();
    expect(code, err).toBe(0);
    expect(err).not.toMatch(/\n\s+at |TypeError/);
    expect(out.match(/ {2}↪ /g)?.length).toBe(lines.length + 1);
    expect(out).toMatch(/status\n {2}↪ \(only you\) no upgrades yet\n?$/);
  }, 300_000);

  it('Slack answers generated commands and payload shapes, signed, without ending serve', async () => {
    slack = await startFakeSlack();
    serving = await startServe(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'fuzz',
        SLACK_API_URL: slack.apiUrl,
        DATABASE_URL: '',
      },
      configPath,
      { dataDir: join(root, 'serve-db'), logger: silentLogger },
    );
    const client = slackClient(
      `http://127.0.0.1:${serving.port}/slack/events`,
      'fuzz',
      slack.apiUrl.replace(/\/api\/$/, ''),
    );
    for (const line of fc.sample(anyLine, { seed: FUZZ_SEED + 4, numRuns: 1000 })) {
      const answer = await client.command('U0DEV', line);
      expect(answer.status, line).toBe(200);
    }
    const bodies = fc
      .sample(
        fc.oneof(
          fc.jsonValue().map((value) => `payload=${encodeURIComponent(JSON.stringify(value))}`),
          fc.string({ maxLength: 40 }).map((text) => `payload=${encodeURIComponent(text)}`),
          fc.constantFrom('payload=null', 'payload=%5B%5D', 'payload=', 'ssl_check=1&payload=null'),
        ),
        { seed: FUZZ_SEED + 5, numRuns: 1000 },
      )
      .filter((body) => !/%7B/.test(body) || body.length < 2000);
    for (const body of bodies) {
      const answer = await client.send(body, 'application/x-www-form-urlencoded');
      expect([200, 400, 401, 404], body).toContain(answer.status);
    }
    expect((await client.command('U0OPS', 'help')).status).toBe(200);
    expect(await serving.runtime.db.store.active()).toEqual([]);
  }, 300_000);
});

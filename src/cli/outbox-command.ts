// `drover outbox [--json]`: chat messages not delivered yet, and those a platform refused for
// good (dead), with their error. `drover outbox retry <id>`: send a dead one again.
import { resolve } from 'node:path';
import type { Outbox, OutboxEntry, RetryOutcome } from '../bot/ports.js';
import { UsageError } from '../errors.js';
import type { Io } from './io.js';
import type { CliCommand } from './program.js';

async function withOutbox<T>(io: Io, use: (outbox: Outbox) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('../adapters/db/open.js');
  const database = await openDatabase({ env: io.env, dataDir: resolve('.drover', 'db') });
  try {
    return await use(database.outbox);
  } finally {
    await database.close();
  }
}

const SAID: Record<RetryOutcome, (id: number) => string> = {
  queued: (id) => `message ${id} is queued again`,
  unknown: (id) => `no outbox message ${id}`,
  'not-dead': (id) => `message ${id} is not dead: it is delivered or still queued`,
  superseded: (id) => `message ${id} has a newer version, which replaces it`,
};

export const command: CliCommand = {
  order: 95,
  define(program, { io, exit }) {
    const outbox = program
      .command('outbox')
      .description('chat messages pending and dead (refused by the platform)')
      .option('--json', 'print {messages: […]} (docs/json.md)')
      .action(async (flags: { json?: boolean }) => {
        const entries = await withOutbox(io, (box) => box.list());
        io.out(flags.json ? JSON.stringify({ messages: entries.map(toJson) }, null, 2) : table(entries));
      });
    outbox
      .command('retry')
      .description('send a dead message again')
      .argument('<id>', 'the message id `drover outbox` shows')
      .option('--json', 'print {id, outcome} (docs/json.md)')
      .action(async (raw: string, flags: { json?: boolean }) => {
        if (!/^\d+$/.test(raw)) throw new UsageError('usage: drover outbox retry <id>   (a number)');
        const id = Number(raw);
        const outcome = await withOutbox(io, (box) => box.retry(id));
        if (flags.json) io.out(JSON.stringify({ id, outcome }));
        else (outcome === 'queued' ? io.out : io.err)(SAID[outcome](id));
        if (outcome !== 'queued') exit(1);
      });
  },
};

function toJson(entry: OutboxEntry) {
  return {
    ...entry,
    nextAttemptAt: entry.nextAttemptAt.toISOString(),
    createdAt: entry.createdAt.toISOString(),
    deadAt: entry.deadAt?.toISOString() ?? null,
  };
}

function table(entries: OutboxEntry[]): string {
  if (entries.length === 0) return 'the outbox is empty: every message is delivered';
  const pending = entries.filter((e) => e.state === 'pending').length;
  const dead = entries.length - pending;
  const rows = entries.map((e) => {
    const when =
      e.state === 'dead'
        ? `dead since ${e.deadAt?.toISOString()}`
        : `next try ${e.nextAttemptAt.getTime() === 0 ? 'now' : e.nextAttemptAt.toISOString()}`;
    const error = e.lastError ? ` — ${e.lastError}` : '';
    return `${String(e.id).padStart(6)}  ${e.state.padEnd(7)}  ${e.platform}:${e.channel}  ${e.key}  (${e.attempts} attempt(s), ${when})${error}`;
  });
  return [
    `${pending} pending, ${dead} dead${dead > 0 ? ' — `drover outbox retry <id>` sends a dead one again' : ''}`,
    ...rows,
  ].join('\n');
}

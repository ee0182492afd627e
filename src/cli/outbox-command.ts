// `drover outbox [--json]`: chat messages not delivered yet, and those a platform refused for
// good (dead), with their error. `drover outbox retry <id>`: send a dead one again.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../adapters/db/open.js';
import type { OutboxEntry } from '../bot/ports.js';
import type { Io } from '../cli.js';
import { UsageError } from '../errors.js';

const USAGE = 'usage: drover outbox [--json] | drover outbox retry <id>';

export async function outboxCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [verb, id, ...extra] = positionals;
  if (extra.length > 0 || (verb !== undefined && verb !== 'retry')) throw new UsageError(USAGE);
  if (verb === 'retry' && (id === undefined || !/^\d+$/.test(id))) throw new UsageError(USAGE);
  const database = await openDatabase({ env: io.env, dataDir: resolve('.drover', 'db') });
  try {
    if (verb === 'retry') {
      const outcome = await database.outbox.retry(Number(id));
      const said = {
        queued: `message ${id} is queued again`,
        unknown: `no outbox message ${id}`,
        'not-dead': `message ${id} is not dead: it is delivered or still queued`,
        superseded: `message ${id} has a newer version, which replaces it`,
      }[outcome];
      if (values.json) io.out(JSON.stringify({ id: Number(id), outcome }));
      else (outcome === 'queued' ? io.out : io.err)(said);
      return outcome === 'queued' ? 0 : 1;
    }
    const entries = await database.outbox.list();
    if (values.json) io.out(JSON.stringify({ messages: entries.map(toJson) }, null, 2));
    else io.out(table(entries));
    return 0;
  } finally {
    await database.close();
  }
}

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

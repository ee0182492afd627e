// `drover audit [--env E] [--since WHEN] [--limit N] [--json]`: the audit log, oldest first
// (newest last, as a log is read and a SIEM ingests it): a table, or one JSON object per line.
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { commandLine } from '../bot/governance/approvals.js';
import type { AuditRecord } from '../bot/governance/ports.js';
import { durationMs } from '../config/units.js';
import type { CliCommand } from './program.js';

/** `--since`: a duration back from now (`24h`, `7d`) or an ISO 8601 date or time, UTC unless it says. */
export function parseSince(text: string, now = new Date()): Date {
  const back = durationMs(text);
  if (back !== undefined) return new Date(now.getTime() - back);
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    text,
  );
  const offset = (iso?.[3] ?? 'Z').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = iso ? Date.parse(`${iso[1]}T${iso[2] ?? '00:00'}${offset}`) : Number.NaN;
  if (Number.isNaN(at))
    throw new InvalidArgumentError(
      'expected a duration such as 24h or 7d, or an ISO time such as 2026-12-01T09:00Z',
    );
  return new Date(at);
}

function parseLimit(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected a whole number above 0');
  return Number(text);
}

/** One entry as `drover audit --json` prints it (docs/json.md). */
export function auditJson(entry: AuditRecord) {
  const { verb: _verb, ...args } = entry.args;
  return {
    id: entry.id,
    time: entry.at.toISOString(),
    environment: entry.environment,
    actor: entry.actor.name,
    actorId: entry.actor.id,
    platform: entry.actor.platform,
    verb: entry.command,
    arguments: args,
    outcome: entry.outcome,
    upgradeId: entry.upgradeId,
    requestId: entry.requestId,
  };
}

/** The readable table: one entry a line, its columns aligned; the outcome last, whole. */
export function auditTable(entries: AuditRecord[]): string {
  const header = ['TIME (UTC)', 'ENVIRONMENT', 'ACTOR', 'UPGRADE', 'REQUEST', 'COMMAND', 'OUTCOME'];
  const rows = entries.map((entry) => {
    const command = commandLine({ ...entry.args, verb: entry.command }, true);
    return [
      entry.at.toISOString().slice(0, 19).replace('T', ' '),
      entry.environment ?? '-',
      `${entry.actor.name} (${entry.actor.platform})`,
      entry.upgradeId === null ? '-' : `#${entry.upgradeId}`,
      entry.requestId === null ? '-' : `#${entry.requestId}`,
      command.replace(/\s+/g, ' '),
      entry.outcome.replace(/\s+/g, ' '),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export const command: CliCommand = {
  order: 96,
  define(program, { io }) {
    program
      .command('audit')
      .description('the audit log: who ran what, where, with what outcome (oldest first)')
      .option('--env <environment>', 'only the entries about this environment')
      .option('--since <when>', 'only entries since a duration ago (24h, 7d) or an ISO time', (text) =>
        parseSince(text),
      )
      .option('--limit <N>', 'only the newest N entries (still oldest first)', parseLimit)
      .option('--json', 'print one JSON object per line (docs/json.md)')
      .addHelpText(
        'after',
        '\nDATABASE_URL selects PostgreSQL; otherwise the embedded database in .drover/db',
      )
      .action(async (flags: { env?: string; since?: Date; limit?: number; json?: boolean }) => {
        const { openDatabase } = await import('../adapters/db/open.js');
        const { auditEntries, auditPages } = await import('../adapters/db/governance-audit.js');
        const database = await openDatabase({ env: io.env, dataDir: resolve('.drover', 'db') });
        const query = { environment: flags.env, since: flags.since, limit: flags.limit };
        try {
          if (flags.json) {
            // JSON lines go out a page at a time: an export of any size.
            for await (const page of auditPages(database.db, query))
              for (const entry of page) io.out(JSON.stringify(auditJson(entry)));
            return;
          }
          const entries = await auditEntries(database.db, query);
          if (entries.length > 0) io.out(auditTable(entries));
          else
            io.out(
              `no audit entries${flags.env ? ` about ${flags.env}` : ''}${flags.since ? ` since ${flags.since.toISOString()}` : ''}`,
            );
        } finally {
          await database.close();
        }
      });
  },
};

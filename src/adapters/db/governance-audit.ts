// Reading the audit log back: `audit [env=E] [n=20]` in chat, newest first; `drover audit`
// (an export for a SIEM), oldest first.
import { and, asc, desc, eq, gt, gte, lte, type SQL } from 'drizzle-orm';
import type { AuditRecord } from '../../bot/governance/ports.js';
import type { Actor } from '../../engine/types.js';
import type { Queryable } from './db.js';
import { auditLog } from './schema.js';

const PLATFORMS: ReadonlyArray<Actor['platform']> = [
  'slack',
  'discord',
  'cli',
  'console',
  'webhook',
  'engine',
];

type AuditRow = typeof auditLog.$inferSelect;

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actor: {
      id: row.actorId,
      platform: PLATFORMS.find((p) => p === row.actorPlatform) ?? 'engine',
      name: row.actorName,
    },
    command: row.command,
    args: row.args,
    outcome: row.outcome,
    upgradeId: row.upgradeId,
    requestId: row.requestId,
    environment: row.environment,
  };
}

export async function recentAudit(
  db: Queryable,
  limit: number,
  environment?: string,
): Promise<AuditRecord[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(environment === undefined ? undefined : eq(auditLog.environment, environment))
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return rows.map(toRecord);
}

export interface AuditQuery {
  environment?: string;
  /** Entries written at or after this time. */
  since?: Date;
  /** Only the newest this many (still listed oldest first). */
  limit?: number;
}

/**
 * The audit log oldest first (`drover audit`), a page at a time so an export of any size
 * holds one page in memory: the entries the query keeps, up to the newest one when it began.
 */
export async function* auditPages(
  db: Queryable,
  query: AuditQuery = {},
  pageSize = 1000,
): AsyncGenerator<AuditRecord[]> {
  const kept: SQL[] = [];
  if (query.environment !== undefined) kept.push(eq(auditLog.environment, query.environment));
  if (query.since !== undefined) kept.push(gte(auditLog.at, query.since));
  const [newest] = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(...kept))
    .orderBy(desc(auditLog.id))
    .limit(1);
  if (!newest) return;
  let after = 0;
  if (query.limit !== undefined) {
    const [first] = await db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(...kept))
      .orderBy(desc(auditLog.id))
      .limit(1)
      .offset(query.limit - 1);
    if (first) after = first.id - 1;
  }
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(...kept, gt(auditLog.id, after), lte(auditLog.id, newest.id)))
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    if (rows.length > 0) yield rows.map(toRecord);
    if (rows.length < pageSize) return;
    after = rows.at(-1)!.id;
  }
}

/** Every entry `auditPages` yields, in one list (the table needs them all for its widths). */
export async function auditEntries(db: Queryable, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const entries: AuditRecord[] = [];
  for await (const page of auditPages(db, query)) entries.push(...page);
  return entries;
}

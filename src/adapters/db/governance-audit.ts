// Reading the audit log back: `audit [env=E] [n=20]` in chat, newest first; `drover audit`
// (an export for a SIEM), oldest first.
import { and, asc, desc, eq, gte, type SQL } from 'drizzle-orm';
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

/** The audit log oldest first (`drover audit`): every entry, or those the query keeps. */
export async function auditEntries(db: Queryable, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const where: SQL[] = [];
  if (query.environment !== undefined) where.push(eq(auditLog.environment, query.environment));
  if (query.since !== undefined) where.push(gte(auditLog.at, query.since));
  const select = db
    .select()
    .from(auditLog)
    .where(and(...where));
  if (query.limit === undefined) return (await select.orderBy(asc(auditLog.id))).map(toRecord);
  const newest = await select.orderBy(desc(auditLog.id)).limit(query.limit);
  return newest.reverse().map(toRecord);
}

// Reading the audit log back: `audit [env=E] [n=20]` in chat, newest first.
import { desc, eq } from 'drizzle-orm';
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
  return rows.map((row) => ({
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
  }));
}

// What the store keeps beside decisions: phase runs, the version map, failures by id, the
// audit log, and the event stream read by cursor.
import { asc, eq, gt, max } from 'drizzle-orm';
import type { AuditEntry, EngineEvent, FailureRecord } from '../../engine/ports.js';
import type { Phase, PhaseResult } from '../../engine/types.js';
import type { Queryable } from './db.js';
import { toEvent, toFailure } from './rows.js';
import { auditLog, events, failures, nodeVersions, phaseRuns } from './schema.js';

export interface PhaseRecord {
  unitId: number;
  phase: Phase;
  result: PhaseResult;
}

/** Phase records, many in one INSERT. */
export async function recordPhases(db: Queryable, records: PhaseRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.insert(phaseRuns).values(
    records.map(({ unitId, phase, result }) => ({
      unitId,
      phase,
      exitCode: result.exitCode,
      signal: result.signal,
      stdoutTail: result.stdoutTail,
      stderrTail: result.stderrTail,
      durationMs: Math.round(result.durationMs),
      interrupted: result.interrupted,
    })),
  );
}

/** node → service → last observed version. */
export async function versionMap(
  db: Queryable,
  environment: string,
): Promise<Map<string, Map<string, string>>> {
  const rows = await db
    .select({ node: nodeVersions.node, service: nodeVersions.service, version: nodeVersions.version })
    .from(nodeVersions)
    .where(eq(nodeVersions.environment, environment));
  const map = new Map<string, Map<string, string>>();
  for (const row of rows) map.set(row.node, (map.get(row.node) ?? new Map()).set(row.service, row.version));
  return map;
}

export async function failureById(db: Queryable, failureId: number): Promise<FailureRecord | undefined> {
  const [row] = await db.select().from(failures).where(eq(failures.id, failureId));
  return row ? toFailure(row) : undefined;
}

export async function appendAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorId: entry.actor.id,
    actorPlatform: entry.actor.platform,
    actorName: entry.actor.name,
    command: entry.command,
    args: entry.args,
    outcome: entry.outcome,
    upgradeId: entry.upgradeId ?? null,
    requestId: entry.requestId ?? null,
    environment: entry.environment ?? null,
  });
}

export async function eventsAfter(db: Queryable, cursor: number, limit: number): Promise<EngineEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(gt(events.id, cursor))
    .orderBy(asc(events.id))
    .limit(limit);
  return rows.map(toEvent);
}

/** The id of the newest event (0 when there is none). */
export async function lastEventId(db: Queryable): Promise<number> {
  const [row] = await db.select({ id: max(events.id) }).from(events);
  return row?.id ?? 0;
}

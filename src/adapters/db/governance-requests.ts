// Approval requests and their approvals. A request leaves `pending` by one conditional UPDATE,
// so of two operators approving at once only one carries the verb out.
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { ApprovalRequestRecord, ApprovalState, GatedVerb } from '../../bot/governance/approvals.js';
import { APPROVAL_STATES } from '../../bot/governance/approvals.js';
import type { NewApprovalRequest } from '../../bot/governance/ports.js';
import type { Actor } from '../../engine/types.js';
import type { Queryable } from './db.js';
import { approvalRequests, approvals } from './schema.js';

type RequestRow = typeof approvalRequests.$inferSelect;
type ApprovalRow = typeof approvals.$inferSelect;

const PLATFORMS: ReadonlyArray<Actor['platform']> = [
  'slack',
  'discord',
  'cli',
  'console',
  'webhook',
  'engine',
];
const GATED: ReadonlyArray<GatedVerb> = ['start', 'step', 'rollback'];

function contextOf(stored: Record<string, unknown>): { discordRoles?: string[] } {
  const roles = stored.discordRoles;
  return Array.isArray(roles)
    ? { discordRoles: roles.filter((id): id is string => typeof id === 'string') }
    : {};
}

function toRequest(row: RequestRow, given: ApprovalRow[]): ApprovalRequestRecord {
  const platform = PLATFORMS.find((p) => p === row.requesterPlatform) ?? 'engine';
  return {
    id: row.id,
    environment: row.environment,
    verb: GATED.find((verb) => verb === row.verb) ?? 'start',
    command: row.command,
    requester: { id: row.requesterId, platform, name: row.requesterName },
    requesterContext: contextOf(row.requesterContext),
    needed: row.needed,
    state: APPROVAL_STATES.find((state) => state === row.state) ?? 'pending',
    reason: row.reason,
    upgradeId: row.upgradeId,
    approvals: given
      .filter((approval) => approval.requestId === row.id)
      .map((approval) => ({ actorId: approval.actorId, name: approval.actorName, at: approval.at })),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

async function withApprovals(db: Queryable, rows: RequestRow[]): Promise<ApprovalRequestRecord[]> {
  if (rows.length === 0) return [];
  const given = await db
    .select()
    .from(approvals)
    .where(
      inArray(
        approvals.requestId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(approvals.at));
  return rows.map((row) => toRequest(row, given));
}

export async function createRequest(
  db: Queryable,
  input: NewApprovalRequest,
): Promise<ApprovalRequestRecord> {
  const [row] = await db
    .insert(approvalRequests)
    .values({
      environment: input.environment,
      verb: input.verb,
      command: input.command,
      requesterId: input.requester.id,
      requesterPlatform: input.requester.platform,
      requesterName: input.requester.name,
      requesterContext: input.requesterContext,
      needed: input.needed,
      state: 'pending',
      upgradeId: input.upgradeId,
      createdAt: input.createdAt,
      expiresAt: input.expiresAt,
    })
    .returning();
  return toRequest(row!, []);
}

export async function requestById(db: Queryable, id: number): Promise<ApprovalRequestRecord | undefined> {
  const rows = await db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
  return (await withApprovals(db, rows))[0];
}

export async function addApproval(
  db: Queryable,
  id: number,
  approver: Actor,
  at: Date,
): Promise<ApprovalRequestRecord | undefined> {
  await db
    .insert(approvals)
    .values({ requestId: id, actorId: approver.id, actorName: approver.name, at })
    .onConflictDoNothing();
  return requestById(db, id);
}

export async function endRequest(
  db: Queryable,
  id: number,
  state: Exclude<ApprovalState, 'pending'>,
  reason: string,
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(approvalRequests)
    .set({ state, reason, decidedAt: at })
    .where(and(eq(approvalRequests.id, id), eq(approvalRequests.state, 'pending')))
    .returning({ id: approvalRequests.id });
  return rows.length > 0;
}

export async function pendingRequests(db: Queryable, environment?: string): Promise<ApprovalRequestRecord[]> {
  const rows = await db
    .select()
    .from(approvalRequests)
    .where(
      and(
        eq(approvalRequests.state, 'pending'),
        environment === undefined ? undefined : eq(approvalRequests.environment, environment),
      ),
    )
    .orderBy(asc(approvalRequests.id));
  return withApprovals(db, rows);
}

export async function expiredRequests(db: Queryable, now: Date): Promise<ApprovalRequestRecord[]> {
  const rows = await db
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.state, 'pending'), lte(approvalRequests.expiresAt, now)))
    .orderBy(asc(approvalRequests.id));
  return withApprovals(db, rows);
}

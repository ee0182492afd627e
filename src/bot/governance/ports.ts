// What governance keeps in the database: locks, approval requests with their approvals, and
// reading the audit log. src/adapters/db implements it (governance-*.ts).
import type { Actor } from '../../engine/types.js';
import type { ApprovalRequestRecord, ApprovalState, GatedVerb } from './approvals.js';
import type { LockRecord } from './locks.js';

export interface NewApprovalRequest {
  environment: string;
  verb: GatedVerb;
  command: Record<string, unknown>;
  requester: Actor;
  /** What authorized the requester (Discord role ids), to authorize the carrying out alike. */
  requesterContext: { discordRoles?: string[] };
  needed: number;
  upgradeId: number | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface AuditRecord {
  id: number;
  at: Date;
  actor: Actor;
  command: string;
  args: Record<string, unknown>;
  outcome: string;
  upgradeId: number | null;
  requestId: number | null;
  environment: string | null;
}

export interface GovernanceStore {
  lock(environment: string): Promise<LockRecord | undefined>;
  /** Takes the lock when nobody holds it; false when someone does (nothing changes). */
  takeLock(lock: LockRecord): Promise<boolean>;
  /** The holder restates the reason; false when they no longer hold it. */
  renewLock(environment: string, holderId: string, reason: string): Promise<boolean>;
  /** Releases the lock as held by `holderId` (so a lock taken meanwhile survives); false when it was not. */
  releaseLock(environment: string, holderId: string): Promise<boolean>;

  createRequest(input: NewApprovalRequest): Promise<ApprovalRequestRecord>;
  request(id: number): Promise<ApprovalRequestRecord | undefined>;
  /** Records an approval (once per actor) and returns the request as it is now. */
  addApproval(id: number, approver: Actor, at: Date): Promise<ApprovalRequestRecord | undefined>;
  /** pending → `state`, with why; false when it was no longer pending (someone else ended it). */
  endRequest(
    id: number,
    state: Exclude<ApprovalState, 'pending'>,
    reason: string,
    at: Date,
  ): Promise<boolean>;
  /** Pending requests, oldest first, of one environment or all. */
  pendingRequests(environment?: string): Promise<ApprovalRequestRecord[]>;
  /** Pending requests whose time is up at `now`. */
  expiredRequests(now: Date): Promise<ApprovalRequestRecord[]>;

  /** The newest audit entries, newest first, of one environment or all. */
  recentAudit(limit: number, environment?: string): Promise<AuditRecord[]>;
}

// Governance's store (src/governance/ports.ts) on drizzle: each method one operation of the
// governance-*.ts modules beside it.
import type { GovernanceStore } from '../../bot/governance/ports.js';
import type { Db } from './db.js';
import { recentAudit } from './governance-audit.js';
import { lockOf, releaseLock, renewLock, takeLock } from './governance-locks.js';
import {
  addApproval,
  createRequest,
  endRequest,
  expiredRequests,
  pendingRequests,
  requestById,
} from './governance-requests.js';

export function createGovernanceStore(db: Db): GovernanceStore {
  return {
    lock: (environment) => lockOf(db, environment),
    takeLock: (lock) => takeLock(db, lock),
    renewLock: (environment, holderId, reason) => renewLock(db, environment, holderId, reason),
    releaseLock: (environment, holderId) => releaseLock(db, environment, holderId),
    createRequest: (input) => createRequest(db, input),
    request: (id) => requestById(db, id),
    addApproval: (id, approver, at) => addApproval(db, id, approver, at),
    endRequest: (id, state, reason, at) => endRequest(db, id, state, reason, at),
    pendingRequests: (environment) => pendingRequests(db, environment),
    expiredRequests: (now) => expiredRequests(db, now),
    recentAudit: (limit, environment) => recentAudit(db, limit, environment),
  };
}

// The engine's Store (src/engine/ports.ts) on drizzle: each method is one operation of the
// modules beside it, each taking the database it runs on.
import type { Store } from '../../engine/ports.js';
import { coalesce } from './coalesce.js';
import type { Db } from './db.js';
import { commit } from './store-commit.js';
import { acquireLease, leaseHolder, releaseLease } from './store-lease.js';
import {
  appendAudit,
  eventsAfter,
  failureById,
  lastEventId,
  type PhaseRecord,
  recordPhases,
  versionMap,
} from './store-records.js';
import {
  activeUpgrades,
  busyNodes,
  createUpgrade,
  loadSnapshot,
  recentUpgrades,
  revisionOf,
} from './store-upgrades.js';

export function createStore(db: Db): Store {
  // Units finish phases many at a time: their records share statements. A record is stored
  // while its unit's next phase runs, so waiting 20 ms for others delays nothing.
  const recordPhase = coalesce((records: PhaseRecord[]) => recordPhases(db, records), { lingerMs: 20 });
  return {
    createUpgrade: (input, event) => createUpgrade(db, input, event),
    load: (upgradeId) => loadSnapshot(db, upgradeId),
    revision: (upgradeId) => revisionOf(db, upgradeId),
    active: (environment) => activeUpgrades(db, environment),
    busyNodes: (environment, exceptUpgradeId, now) => busyNodes(db, environment, exceptUpgradeId, now),
    recent: (limit, environment) => recentUpgrades(db, limit, environment),
    commit: (upgradeId, revision, change, lease) => commit(db, upgradeId, revision, change, lease),
    recordPhase: (unitId, phase, result) => recordPhase({ unitId, phase, result }),
    acquireLease: (upgradeId, owner, ttlMs, now, replacing) =>
      acquireLease(db, upgradeId, owner, ttlMs, now, replacing),
    releaseLease: (upgradeId, owner) => releaseLease(db, upgradeId, owner),
    leaseHolder: (upgradeId, now) => leaseHolder(db, upgradeId, now),
    versions: (environment) => versionMap(db, environment),
    failure: (failureId) => failureById(db, failureId),
    audit: (entry) => appendAudit(db, entry),
    eventsAfter: (cursor, limit) => eventsAfter(db, cursor, limit),
    lastEventId: () => lastEventId(db),
  };
}

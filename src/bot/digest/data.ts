// Reads what a digest shows, through the Store and the digest queries. Everything here is
// I/O; content.ts turns the result into messages without any.
import type { FailureRecord, Store, UpgradeRecord, UpgradeSnapshot } from '../../engine/ports.js';
import type { LockRecord } from '../governance/locks.js';
import type { DigestQueries } from './ports.js';

export interface DigestData {
  environment: string;
  /** The time the digest is for: its scheduled time, or now for `/upgrade digest`. */
  at: Date;
  now: Date;
  /** "Since the last digest" starts here. */
  since: Date;
  active: UpgradeSnapshot[];
  /** Open and acknowledged failures of the environment, oldest first, with their upgrade. */
  failures: Array<{ failure: FailureRecord; upgrade: UpgradeRecord | undefined }>;
  /** node → service → last observed version. */
  versions: Map<string, Map<string, string>>;
  completed: UpgradeRecord[];
  rolledBack: UpgradeRecord[];
  resolved: Array<{ failure: FailureRecord; upgrade: UpgradeRecord | undefined }>;
  /** The next scheduled digest, when the environment has a schedule. */
  next: Date | undefined;
  /** Who holds the environment (`lock`), if anyone. */
  lock?: LockRecord | undefined;
}

export interface DigestSources {
  store: Store;
  queries: DigestQueries;
}

export async function gatherDigest(
  sources: DigestSources,
  environment: string,
  times: { at: Date; now: Date; since: Date; next: Date | undefined },
): Promise<DigestData> {
  const { store, queries } = sources;
  const [activeRecords, unresolved, versions, events, lock] = await Promise.all([
    store.active(environment),
    queries.unresolvedFailures(environment),
    store.versions(environment),
    queries.eventsSince(environment, times.since, [
      'upgrade.completed',
      'upgrade.rolled_back',
      'failure.resolved',
    ]),
    queries.lock(environment),
  ]);
  const upgradesById = new Map<number, UpgradeRecord>();
  const upgradeOf = async (id: number): Promise<UpgradeRecord | undefined> => {
    if (!upgradesById.has(id)) {
      const snapshot = await store.load(id);
      if (snapshot) upgradesById.set(id, snapshot.upgrade);
    }
    return upgradesById.get(id);
  };

  const active: UpgradeSnapshot[] = [];
  for (const record of activeRecords) {
    const snapshot = await store.load(record.id);
    if (snapshot) {
      active.push(snapshot);
      upgradesById.set(record.id, snapshot.upgrade);
    }
  }
  const failures = [];
  for (const failure of unresolved) failures.push({ failure, upgrade: await upgradeOf(failure.upgradeId) });

  const completed: UpgradeRecord[] = [];
  const rolledBack: UpgradeRecord[] = [];
  const resolved: DigestData['resolved'] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (event.type === 'failure.resolved') {
      const id = Number(event.data.failureId);
      if (!Number.isInteger(id) || seen.has(`f${id}`)) continue;
      seen.add(`f${id}`);
      const failure = await store.failure(id);
      if (failure?.state === 'resolved')
        resolved.push({ failure, upgrade: await upgradeOf(failure.upgradeId) });
      continue;
    }
    const upgrade = await upgradeOf(event.upgradeId);
    if (!upgrade || seen.has(`${event.type}${upgrade.id}`)) continue;
    seen.add(`${event.type}${upgrade.id}`);
    (event.type === 'upgrade.completed' ? completed : rolledBack).push(upgrade);
  }
  return { environment, ...times, active, failures, versions, completed, rolledBack, resolved, lock };
}

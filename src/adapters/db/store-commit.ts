// A commit: everything one decision changes, in one transaction, only if the upgrade is
// still at the revision the decision was made on. A handful of statements whatever the size
// of the change (a conditional update takes the row lock and checks the revision at once;
// unit, wave and failure patches go as one UPDATE each).
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Change, FailurePatch, LeaseProof, NewFailure } from '../../engine/ports.js';
import { ActiveUpgradeExistsError, NotFoundError } from '../../errors.js';
import type { Db, Queryable } from './db.js';
import { patchRows } from './patch.js';
import { isActiveUpgradeConflict } from './rows.js';
import { events, failures, hookRuns, nodeVersions, units, upgrades, waves } from './schema.js';

export interface CommitResult {
  ok: boolean;
  failureIds: number[];
  leaseLost?: boolean;
}

export async function commit(
  db: Db,
  upgradeId: number,
  revision: number | null,
  change: Change,
  lease?: LeaseProof,
): Promise<CommitResult> {
  try {
    return await db.transaction(async (tx) => {
      // Locks the row (concurrent writers wait here, then see the bumped revision and miss).
      const held = lease
        ? and(
            eq(upgrades.leaseOwner, lease.owner),
            eq(upgrades.leaseEpoch, lease.epoch),
            gt(upgrades.leaseExpiresAt, lease.now),
          )
        : undefined;
      const [row] = await tx
        .update(upgrades)
        .set({
          ...change.upgrade,
          revision: sql`${upgrades.revision} + 1`,
          updatedAt: new Date(),
          ...(lease ? { leaseExpiresAt: new Date(lease.now.getTime() + lease.ttlMs) } : {}),
        })
        .where(
          and(
            eq(upgrades.id, upgradeId),
            revision === null ? undefined : eq(upgrades.revision, revision),
            held,
          ),
        )
        .returning({ environment: upgrades.environment });
      if (!row) {
        const [exists] = await tx
          .select({ id: upgrades.id, held: held ?? sql<boolean>`true` })
          .from(upgrades)
          .where(eq(upgrades.id, upgradeId));
        if (!exists) throw new NotFoundError(`no upgrade #${upgradeId}`);
        return { ok: false, failureIds: [], ...(exists.held ? {} : { leaseLost: true }) };
      }
      await patchRows(
        tx,
        waves,
        ['index'],
        change.waves ?? [],
        (t) => sql`${sql.raw(t)}.upgrade_id = ${upgradeId}`,
      );
      await patchRows(tx, units, ['id'], change.units ?? []);
      await patchRows(
        tx,
        hookRuns,
        ['id'],
        change.hooks ?? [],
        (t) => sql`${sql.raw(t)}.upgrade_id = ${upgradeId}`,
      );
      const fresh = (change.failures ?? []).filter((f): f is NewFailure => f.id === undefined);
      const patches = (change.failures ?? []).filter((f): f is FailurePatch => f.id !== undefined);
      await patchRows(tx, failures, ['id'], patches, (t) => sql`${sql.raw(t)}.upgrade_id = ${upgradeId}`);
      const failureIds = await insertFailures(tx, upgradeId, fresh);
      await upsertVersions(tx, row.environment, change.versions ?? []);
      if (change.events.length > 0)
        await tx
          .insert(events)
          .values(change.events.map((event) => ({ upgradeId, type: event.type, data: event.data })));
      return { ok: true, failureIds };
    });
  } catch (error) {
    if (!isActiveUpgradeConflict(error)) throw error;
    const [row] = await db
      .select({ environment: upgrades.environment })
      .from(upgrades)
      .where(eq(upgrades.id, upgradeId));
    throw new ActiveUpgradeExistsError(row?.environment ?? '?', undefined, { cause: error });
  }
}

async function insertFailures(tx: Queryable, upgradeId: number, fresh: NewFailure[]): Promise<number[]> {
  if (fresh.length === 0) return [];
  const rows = await tx
    .insert(failures)
    .values(
      fresh.map((f) => ({
        upgradeId,
        fingerprint: f.fingerprint,
        kind: f.kind ?? 'phase',
        service: f.service,
        phase: f.phase,
        exitCode: f.exitCode,
        nodes: f.nodes,
        outputTail: f.outputTail,
        state: 'open',
        culprit: null,
      })),
    )
    .returning({ id: failures.id, fingerprint: failures.fingerprint });
  // RETURNING order is not promised: map back by fingerprint (unique per upgrade).
  const ids = new Map(rows.map((r) => [r.fingerprint, r.id]));
  return fresh.map((f) => ids.get(f.fingerprint)!);
}

async function upsertVersions(
  tx: Queryable,
  environment: string,
  versions: Change['versions'] & object,
): Promise<void> {
  if (versions.length === 0) return;
  const latest = new Map(versions.map((v) => [`${v.node}\u0000${v.service}`, v]));
  const observedAt = new Date();
  await tx
    .insert(nodeVersions)
    .values(
      [...latest.values()].map((v) => ({
        environment,
        node: v.node,
        service: v.service,
        version: v.version,
        observedAt,
      })),
    )
    .onConflictDoUpdate({
      target: [nodeVersions.environment, nodeVersions.node, nodeVersions.service],
      set: { version: sql`excluded.version`, observedAt: sql`excluded.observed_at` },
    });
}

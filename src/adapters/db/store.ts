// The engine's Store on drizzle. Every commit is one transaction that checks the revision
// it was decided on, applies the change and its events together.
import { and, asc, desc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type {
  Change,
  EngineEvent,
  FailureRecord,
  Store,
  UnitRecord,
  UpgradeRecord,
  UpgradeSnapshot,
  WaveRecord,
} from '../../engine/ports.js';
import type { Phase, UnitState, UpgradeState, WaveState } from '../../engine/types.js';
import { ACTIVE_UPGRADE_STATES } from '../../engine/types.js';
import { ActiveUpgradeExistsError } from '../../errors.js';
import type { Db, Queryable } from './db.js';
import { auditLog, events, failures, nodeVersions, phaseRuns, units, upgrades, waves } from './schema.js';

type UpgradeRow = typeof upgrades.$inferSelect;
type FailureRow = typeof failures.$inferSelect;

const toUpgrade = (row: UpgradeRow): UpgradeRecord => ({
  id: row.id,
  environment: row.environment,
  release: row.release,
  state: row.state as UpgradeState,
  reason: row.reason,
  plan: row.plan,
  revision: row.revision,
  currentWave: row.currentWave,
  startedBy: row.startedBy,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const toFailure = (row: FailureRow): FailureRecord => ({
  ...row,
  phase: row.phase as Phase,
  state: row.state as FailureRecord['state'],
});

function isUniqueViolation(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return (error as { code?: string }).code === '23505' || cause?.code === '23505';
}

async function loadSnapshot(db: Queryable, upgradeId: number): Promise<UpgradeSnapshot | undefined> {
  const [row] = await db.select().from(upgrades).where(eq(upgrades.id, upgradeId));
  if (!row) return undefined;
  const [waveRows, unitRows, failureRows] = await Promise.all([
    db.select().from(waves).where(eq(waves.upgradeId, upgradeId)).orderBy(asc(waves.index)),
    db.select().from(units).where(eq(units.upgradeId, upgradeId)).orderBy(asc(units.seq)),
    db.select().from(failures).where(eq(failures.upgradeId, upgradeId)).orderBy(asc(failures.id)),
  ]);
  return {
    upgrade: toUpgrade(row),
    waves: waveRows.map((w): WaveRecord => ({ ...w, state: w.state as WaveState })),
    units: unitRows.map(
      (u): UnitRecord => ({ ...u, state: u.state as UnitState, phase: u.phase as Phase | null }),
    ),
    failures: failureRows.map(toFailure),
  };
}

export function createStore(db: Db): Store {
  return {
    async createUpgrade(input, event) {
      try {
        const id = await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(upgrades)
            .values({
              environment: input.environment,
              release: input.release,
              state: 'planned',
              reason: input.reason,
              plan: input.plan,
              startedBy: input.startedBy,
            })
            .returning({ id: upgrades.id });
          const upgradeId = row!.id;
          if (input.plan.waves.length > 0) {
            await tx.insert(waves).values(
              input.plan.waves.map((wave) => ({
                upgradeId,
                index: wave.index,
                service: wave.service,
                state: 'pending',
              })),
            );
            let seq = 0;
            const rows = input.plan.waves.flatMap((wave) =>
              wave.units.map((unit) => {
                seq += 1;
                return {
                  upgradeId,
                  wave: wave.index,
                  seq,
                  service: unit.service,
                  node: unit.node,
                  state: 'pending',
                };
              }),
            );
            for (let i = 0; i < rows.length; i += 500) await tx.insert(units).values(rows.slice(i, i + 500));
          }
          await tx.insert(events).values({ upgradeId, type: event.type, data: event.data });
          return upgradeId;
        });
        return (await loadSnapshot(db, id))!;
      } catch (error) {
        if (isUniqueViolation(error)) {
          const [active] = await db
            .select({ id: upgrades.id })
            .from(upgrades)
            .where(
              and(
                eq(upgrades.environment, input.environment),
                inArray(upgrades.state, [...ACTIVE_UPGRADE_STATES]),
              ),
            );
          throw new ActiveUpgradeExistsError(input.environment, active?.id, { cause: error });
        }
        throw error;
      }
    },

    load: (upgradeId) => loadSnapshot(db, upgradeId),

    async active(environment) {
      const states = inArray(upgrades.state, [...ACTIVE_UPGRADE_STATES]);
      const rows = await db
        .select()
        .from(upgrades)
        .where(environment ? and(states, eq(upgrades.environment, environment)) : states)
        .orderBy(asc(upgrades.id));
      return rows.map(toUpgrade);
    },

    async recent(limit, environment) {
      const rows = await db
        .select()
        .from(upgrades)
        .where(environment ? eq(upgrades.environment, environment) : undefined)
        .orderBy(desc(upgrades.id))
        .limit(limit);
      return rows.map(toUpgrade);
    },

    async commit(upgradeId, revision, change) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select({ revision: upgrades.revision, environment: upgrades.environment })
          .from(upgrades)
          .where(eq(upgrades.id, upgradeId))
          .for('update');
        if (!row) throw new Error(`no upgrade #${upgradeId}`);
        if (revision !== null && row.revision !== revision) return { ok: false, failureIds: [] };
        await applyChange(tx, upgradeId, row.environment, row.revision + 1, change);
        const failureIds = await insertFailures(tx, upgradeId, change);
        return { ok: true, failureIds };
      });
    },

    async recordPhase(unitId, phase, result) {
      await db.insert(phaseRuns).values({ unitId, phase, ...result });
    },

    async acquireLease(upgradeId, owner, ttlMs, now, replacing) {
      const until = new Date(now.getTime() + ttlMs);
      const rows = await db
        .update(upgrades)
        .set({ leaseOwner: owner, leaseExpiresAt: until })
        .where(
          and(
            eq(upgrades.id, upgradeId),
            or(
              isNull(upgrades.leaseOwner),
              eq(upgrades.leaseOwner, owner),
              lt(upgrades.leaseExpiresAt, now),
              ...(replacing ? [eq(upgrades.leaseOwner, replacing)] : []),
            ),
          ),
        )
        .returning({ id: upgrades.id });
      return rows.length > 0;
    },

    async releaseLease(upgradeId, owner) {
      await db
        .update(upgrades)
        .set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(upgrades.id, upgradeId), eq(upgrades.leaseOwner, owner)));
    },

    async leaseHolder(upgradeId, now) {
      const [row] = await db
        .select({ owner: upgrades.leaseOwner, until: upgrades.leaseExpiresAt })
        .from(upgrades)
        .where(eq(upgrades.id, upgradeId));
      return row?.owner && row.until && row.until > now ? row.owner : undefined;
    },

    async versions(environment) {
      const rows = await db.select().from(nodeVersions).where(eq(nodeVersions.environment, environment));
      const map = new Map<string, Map<string, string>>();
      for (const row of rows)
        map.set(row.node, (map.get(row.node) ?? new Map()).set(row.service, row.version));
      return map;
    },

    async failure(failureId) {
      const [row] = await db.select().from(failures).where(eq(failures.id, failureId));
      return row ? toFailure(row) : undefined;
    },

    async audit(entry) {
      await db.insert(auditLog).values({
        actorId: entry.actor.id,
        actorPlatform: entry.actor.platform,
        actorName: entry.actor.name,
        command: entry.command,
        args: entry.args,
        outcome: entry.outcome,
        upgradeId: entry.upgradeId ?? null,
      });
    },

    async eventsAfter(cursor, limit) {
      const rows = await db
        .select()
        .from(events)
        .where(gt(events.id, cursor))
        .orderBy(asc(events.id))
        .limit(limit);
      return rows.map((row): EngineEvent => ({ ...row, type: row.type as EngineEvent['type'] }));
    },
  };
}

async function applyChange(
  tx: Queryable,
  upgradeId: number,
  environment: string,
  revision: number,
  change: Change,
): Promise<void> {
  await tx
    .update(upgrades)
    .set({ ...change.upgrade, revision, updatedAt: new Date() })
    .where(eq(upgrades.id, upgradeId));
  for (const { index, ...patch } of change.waves ?? []) {
    if (Object.keys(patch).length > 0)
      await tx
        .update(waves)
        .set(patch)
        .where(and(eq(waves.upgradeId, upgradeId), eq(waves.index, index)));
  }
  for (const { id, ...patch } of change.units ?? []) {
    if (Object.keys(patch).length > 0) await tx.update(units).set(patch).where(eq(units.id, id));
  }
  for (const item of change.failures ?? []) {
    if (item.id === undefined) continue;
    const { id, ...patch } = item;
    if (Object.keys(patch).length > 0) await tx.update(failures).set(patch).where(eq(failures.id, id));
  }
  if (change.versions?.length) {
    const latest = new Map(change.versions.map((v) => [`${v.node}\u0000${v.service}`, v]));
    await tx
      .insert(nodeVersions)
      .values([...latest.values()].map((v) => ({ environment, ...v, observedAt: new Date() })))
      .onConflictDoUpdate({
        target: [nodeVersions.environment, nodeVersions.node, nodeVersions.service],
        set: { version: sql`excluded.version`, observedAt: sql`excluded.observed_at` },
      });
  }
  if (change.events.length > 0)
    await tx
      .insert(events)
      .values(change.events.map((event) => ({ upgradeId, type: event.type, data: event.data })));
}

async function insertFailures(tx: Queryable, upgradeId: number, change: Change): Promise<number[]> {
  const fresh = (change.failures ?? []).filter((item) => item.id === undefined);
  if (fresh.length === 0) return [];
  const rows = await tx
    .insert(failures)
    .values(
      fresh.map((f) => ({
        upgradeId,
        fingerprint: f.fingerprint,
        service: f.service,
        phase: f.phase,
        exitCode: f.exitCode,
        nodes: f.nodes,
        outputTail: f.outputTail,
        state: 'open',
      })),
    )
    .returning({ id: failures.id });
  return rows.map((row) => row.id);
}

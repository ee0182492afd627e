// Upgrades: creating one with its waves and units, loading snapshots, listing.
import { and, asc, desc, eq, gt, inArray, ne, or } from 'drizzle-orm';
import type { NewEvent, NewUpgrade, UpgradeRecord, UpgradeSnapshot } from '../../engine/ports.js';
import { ACTIVE_UPGRADE_STATES } from '../../engine/types.js';
import { ActiveUpgradeExistsError } from '../../errors.js';
import type { Db, Queryable } from './db.js';
import { isActiveUpgradeConflict, toFailure, toHook, toUnit, toUpgrade, toWave } from './rows.js';
import { events, failures, hookRuns, units, upgrades, waves } from './schema.js';

const UNIT_BATCH = 1000;
/** The states the one-upgrade-per-environment index covers: the active ones and a start awaiting approval. */
const HOLDING_STATES = [...ACTIVE_UPGRADE_STATES, 'awaiting_approval'];

/** One transaction: the upgrade (planned, revision 0), a row per wave and per unit, the event. */
export async function createUpgrade(db: Db, input: NewUpgrade, event: NewEvent): Promise<UpgradeSnapshot> {
  let id: number;
  try {
    id = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(upgrades)
        .values({
          environment: input.environment,
          release: input.release,
          state: input.state ?? 'planned',
          reason: input.reason,
          plan: input.plan,
          startedBy: input.startedBy,
        })
        .returning({ id: upgrades.id });
      const upgradeId = row!.id;
      const planned = input.plan.waves;
      if (planned.length > 0)
        await tx
          .insert(waves)
          .values(
            planned.map((wave, index) => ({ upgradeId, index, service: wave.service, state: 'pending' })),
          );
      // seq is the running order in the plan, 1-based.
      const rows = planned.flatMap((wave, index) =>
        wave.units.map((unit) => ({
          upgradeId,
          wave: index,
          service: unit.service,
          node: unit.node,
          state: 'pending',
        })),
      );
      for (let i = 0; i < rows.length; i += UNIT_BATCH)
        await tx
          .insert(units)
          .values(rows.slice(i, i + UNIT_BATCH).map((row, j) => ({ ...row, seq: i + j + 1 })));
      const hooks = input.hooks;
      for (let i = 0; i < hooks.length; i += UNIT_BATCH)
        await tx
          .insert(hookRuns)
          .values(hooks.slice(i, i + UNIT_BATCH).map((hook) => ({ ...hook, upgradeId })));
      await tx.insert(events).values({ upgradeId, type: event.type, data: event.data });
      return upgradeId;
    });
  } catch (error) {
    if (!isActiveUpgradeConflict(error)) throw error;
    const [holder] = await db
      .select({ id: upgrades.id })
      .from(upgrades)
      .where(and(eq(upgrades.environment, input.environment), inArray(upgrades.state, [...HOLDING_STATES])));
    throw new ActiveUpgradeExistsError(input.environment, holder?.id, { cause: error });
  }
  return (await loadSnapshot(db, id))!;
}

export async function loadSnapshot(db: Db, upgradeId: number): Promise<UpgradeSnapshot | undefined> {
  const [row] = await db.select().from(upgrades).where(eq(upgrades.id, upgradeId));
  if (!row) return undefined;
  const [waveRows, unitRows, failureRows, hookRows] = await Promise.all([
    db.select().from(waves).where(eq(waves.upgradeId, upgradeId)).orderBy(asc(waves.index)),
    db.select().from(units).where(eq(units.upgradeId, upgradeId)).orderBy(asc(units.seq)),
    db.select().from(failures).where(eq(failures.upgradeId, upgradeId)).orderBy(asc(failures.id)),
    db.select().from(hookRuns).where(eq(hookRuns.upgradeId, upgradeId)).orderBy(asc(hookRuns.id)),
  ]);
  return {
    upgrade: toUpgrade(row),
    waves: waveRows.map(toWave),
    units: unitRows.map(toUnit),
    failures: failureRows.map(toFailure),
    hooks: hookRows.map(toHook),
  };
}

export async function revisionOf(db: Queryable, upgradeId: number): Promise<number | undefined> {
  const [row] = await db
    .select({ revision: upgrades.revision })
    .from(upgrades)
    .where(eq(upgrades.id, upgradeId));
  return row?.revision;
}

export async function activeUpgrades(db: Queryable, environment?: string): Promise<UpgradeRecord[]> {
  const states = inArray(upgrades.state, [...ACTIVE_UPGRADE_STATES]);
  const rows = await db
    .select()
    .from(upgrades)
    .where(environment ? and(states, eq(upgrades.environment, environment)) : states)
    .orderBy(asc(upgrades.id));
  return rows.map(toUpgrade);
}

export async function recentUpgrades(
  db: Queryable,
  limit: number,
  environment?: string,
): Promise<UpgradeRecord[]> {
  const rows = await db
    .select()
    .from(upgrades)
    .where(environment ? eq(upgrades.environment, environment) : undefined)
    .orderBy(desc(upgrades.id))
    .limit(limit);
  return rows.map(toUpgrade);
}

/**
 * Nodes where another upgrade of the environment still runs a unit while its driver holds the
 * lease: a deploy that superseded it waits for them (PRODUCT.md, "Continuous deployment").
 */
export async function busyNodes(
  db: Queryable,
  environment: string,
  exceptUpgradeId: number,
  now: Date,
): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ node: units.node })
    .from(units)
    .innerJoin(upgrades, eq(units.upgradeId, upgrades.id))
    .where(
      and(
        eq(upgrades.environment, environment),
        ne(upgrades.id, exceptUpgradeId),
        gt(upgrades.leaseExpiresAt, now),
        or(eq(units.state, 'running'), and(eq(units.state, 'rolling_back'), eq(units.phase, 'rollback'))),
      ),
    );
  return new Set(rows.map((row) => row.node));
}

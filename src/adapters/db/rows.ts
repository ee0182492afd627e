// Rows to records, and reading PostgreSQL error codes through drizzle's wrapping
// (DrizzleQueryError keeps the driver's error as `cause`).
import type {
  EngineEvent,
  FailureRecord,
  HookRecord,
  UnitRecord,
  UpgradeRecord,
  WaveRecord,
} from '../../engine/ports.js';
import {
  FAILURE_KINDS,
  type HookName,
  type HookState,
  type PauseCause,
  type Phase,
  type UnitState,
  type UpgradeState,
  type WaveState,
} from '../../engine/types.js';
import type { events, failures, hookRuns, units, upgrades, waves } from './schema.js';

export const toUpgrade = (row: typeof upgrades.$inferSelect): UpgradeRecord => ({
  id: row.id,
  environment: row.environment,
  release: row.release,
  state: row.state as UpgradeState,
  reason: row.reason,
  plan: row.plan,
  revision: row.revision,
  currentWave: row.currentWave,
  pausedBy: row.pausedBy as PauseCause | null,
  startedBy: row.startedBy,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export const toWave = (row: typeof waves.$inferSelect): WaveRecord => ({
  ...row,
  state: row.state as WaveState,
});

export const toUnit = (row: typeof units.$inferSelect): UnitRecord => ({
  ...row,
  state: row.state as UnitState,
  phase: row.phase as Phase | null,
});

export const toFailure = (row: typeof failures.$inferSelect): FailureRecord => ({
  ...row,
  phase: row.phase as Phase,
  kind: FAILURE_KINDS.find((kind) => kind === row.kind) ?? 'phase',
  state: row.state as FailureRecord['state'],
});

export const toHook = (row: typeof hookRuns.$inferSelect): HookRecord => ({
  ...row,
  name: row.name as HookName,
  state: row.state as HookState,
});

export const toEvent = (row: typeof events.$inferSelect): EngineEvent => ({
  ...row,
  type: row.type as EngineEvent['type'],
});

/** The PostgreSQL error of `error` or of its causes: SQLSTATE and constraint name. */
export function pgError(error: unknown): { code: string; constraint: string | undefined } | undefined {
  for (let e = error as Record<string, unknown> | undefined, depth = 0; e && depth < 5; depth += 1) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      const constraint = e.constraint_name ?? e.constraint;
      return { code: e.code, constraint: typeof constraint === 'string' ? constraint : undefined };
    }
    e = e.cause as Record<string, unknown> | undefined;
  }
  return undefined;
}

export const ONE_ACTIVE_INDEX = 'upgrades_one_active_per_environment';

/** Whether `error` is the one-active-upgrade-per-environment index refusing a row. */
export function isActiveUpgradeConflict(error: unknown): boolean {
  const pg = pgError(error);
  return pg?.code === '23505' && (pg.constraint === undefined || pg.constraint === ONE_ACTIVE_INDEX);
}

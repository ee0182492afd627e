// The engine in a process: the Upgrades API plus the drivers of the upgrades this process
// holds the lease of. `serve` keeps driving every active upgrade; the CLI drives one until
// it rests (completed, paused, or waiting for `step`).
import type { Config } from '../config/schema.js';
import type { Upgrades } from './api.js';
import { commandFor } from './commands.js';
import { undecided } from './culprit.js';
import { drive } from './driver.js';
import type { Attributor, DriveUntil } from './driver-deps.js';
import { fleetOf, nodeRefs, type RangeSource, versionClassifier, versionGates } from './fleet.js';
import type { Logger } from './log.js';
import type { Clock, NodeRunner, Store, UpgradeSnapshot } from './ports.js';
import { runHook, runPrechecks } from './run-hook.js';
import { phasesOf } from './service-phases.js';
import { backoff } from './supervise.js';
import { createUpgrades, type RefResolver } from './upgrades.js';

export interface EngineDeps {
  config: Config;
  store: Store;
  runner: NodeRunner;
  clock: Clock;
  owner: string;
  /** The deploy repository: resolves refs, and lists ranges for the version probe. */
  refs?: (RefResolver & RangeSource) | undefined;
  attributor?: Attributor | undefined;
  pollMs?: number;
  leaseMs?: number;
  ownerDead?: (owner: string) => boolean;
  /** Where a driver's failure is logged (it is driven again after a backoff). */
  log?: Logger;
}

export interface Engine {
  upgrades: Upgrades;
  /** Drives the upgrade here (when no other process holds it) until it rests or ends. */
  drive(upgradeId: number, until?: DriveUntil, signal?: AbortSignal): Promise<UpgradeSnapshot>;
  /**
   * Drives every active upgrade, picking up new ones, until the signal aborts; calls `tick`
   * after each look for work. A driver that fails (the database went away) is logged and
   * driven again after a backoff; a failing look for work rejects (its supervisor restarts it).
   */
  serve(signal: AbortSignal, tick?: () => void): Promise<void>;
  /** The upgrades this process drives now. */
  driving(): number[];
}

export const UNKNOWN_CULPRIT: Attributor = {
  attribute: async () => undecided([], [], 0, 'no deploy repository to attribute it with'),
};

/**
 * The longest a unit's command may run on its node: the longest phase timeout, or with
 * `ssh.batchPhases` the batched script's (version, drain, upgrade, health and undrain in turn).
 */
function longestRun(config: Config): number {
  const { timeouts } = config.phases;
  const longest = Math.max(...Object.values(timeouts).filter((t) => t !== undefined));
  if (!config.ssh.batchPhases) return longest;
  const batched = (['version', 'drain', 'upgrade', 'health', 'undrain'] as const)
    .map((phase) => timeouts[phase] ?? timeouts.default)
    .reduce((sum, t) => sum + t, 0);
  return Math.max(longest, batched);
}

export function createEngine(deps: EngineDeps): Engine {
  const driving = new Map<number, Promise<void>>();
  /** Per upgrade: failures in a row of its driver, and when it may be driven again. */
  const failing = new Map<number, { failures: number; notBefore: number }>();
  const classify = versionClassifier(deps.config, deps.refs);
  const gate = versionGates(deps.config, deps.refs);
  let serving: AbortSignal | undefined;

  /** Per upgrade: the epoch this process's last driver held when it returned, and drivers running now. */
  const settled = new Map<number, number>();
  const active = new Map<number, number>();

  const driveOne = async (
    upgradeId: number,
    until: DriveUntil,
    signal?: AbortSignal,
  ): Promise<UpgradeSnapshot> => {
    const snapshot = await deps.store.load(upgradeId);
    if (!snapshot) throw new Error(`no upgrade #${upgradeId}`);
    const fleet = fleetOf(deps.config, snapshot.upgrade.environment, snapshot.upgrade.plan);
    const log = deps.log?.child({ upgrade: upgradeId, environment: snapshot.upgrade.environment });
    const alone = (active.get(upgradeId) ?? 0) === 0;
    const settledEpoch = alone ? settled.get(upgradeId) : undefined;
    let held: number | undefined;
    active.set(upgradeId, (active.get(upgradeId) ?? 0) + 1);
    return drive(
      upgradeId,
      {
        ...(settledEpoch === undefined ? {} : { settledEpoch }),
        onEpoch: (epoch) => {
          held = epoch;
        },
        store: log ? loggingEvents(deps.store, log) : deps.store,
        runner: deps.runner,
        clock: deps.clock,
        owner: deps.owner,
        nodes: fleet.nodes,
        health: (service) => {
          const phases = phasesOf(deps.config, service);
          return { retries: phases.healthRetries, intervalMs: phases.healthIntervalMs };
        },
        sleep: (ms) => deps.clock.sleep(ms),
        runHook: (hook, node, plan) =>
          runHook(hook, node, plan, {
            config: deps.config,
            runner: deps.runner,
            store: deps.store,
            now: () => deps.clock.now(),
          }),
        context: fleet.context,
        attributor: deps.attributor ?? UNKNOWN_CULPRIT,
        command: commandFor(deps.config),
        classify,
        gate,
        ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
        ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
        ...(deps.ownerDead === undefined ? {} : { ownerDead: deps.ownerDead }),
        ...(log === undefined ? {} : { log }),
        takeoverGraceMs: longestRun(deps.config),
      },
      until,
      signal,
    ).finally(() => {
      // drive() returns once every unit it started has settled.
      active.set(upgradeId, (active.get(upgradeId) ?? 1) - 1);
      if (held !== undefined) settled.set(upgradeId, held);
    });
  };

  const startServing = (upgradeId: number) => {
    if (!serving || serving.aborted || driving.has(upgradeId)) return;
    const failed = failing.get(upgradeId);
    if (failed && Date.now() < failed.notBefore) return;
    const task = driveOne(upgradeId, 'terminal', serving)
      .then(
        () => void failing.delete(upgradeId),
        (error: unknown) => {
          const failures = (failing.get(upgradeId)?.failures ?? 0) + 1;
          const waitMs = backoff(failures, 500, 30_000);
          failing.set(upgradeId, { failures, notBefore: Date.now() + waitMs });
          deps.log?.error(
            { err: error, upgrade: upgradeId, failures, retryInMs: waitMs },
            `driving upgrade #${upgradeId} failed; it is driven again after a pause`,
          );
        },
      )
      .finally(() => driving.delete(upgradeId));
    driving.set(upgradeId, task);
  };

  const upgrades = createUpgrades({
    config: deps.config,
    store: deps.store,
    clock: deps.clock,
    refs: deps.refs,
    kick: startServing,
    prechecks: (plan) =>
      runPrechecks(plan, nodeRefs(deps.config, plan.environment), {
        config: deps.config,
        runner: deps.runner,
        now: () => deps.clock.now(),
      }),
  });

  return {
    upgrades,
    drive: (upgradeId, until = 'resting', signal) => driveOne(upgradeId, until, signal),
    async serve(signal, tick) {
      serving = signal;
      try {
        while (!signal.aborted) {
          for (const upgrade of await deps.store.active()) startServing(upgrade.id);
          tick?.();
          await deps.clock.sleep(deps.pollMs ?? 1000, signal);
        }
      } finally {
        if (signal.aborted) await Promise.allSettled(driving.values());
      }
    },
    driving: () => [...driving.keys()],
  };
}

/** The store, logging every event a driver commits: one line each, with its node, service and phase. */
function loggingEvents(store: Store, log: Logger): Store {
  return {
    ...store,
    async commit(upgradeId, revision, change) {
      const result = await store.commit(upgradeId, revision, change);
      if (result.ok)
        for (const event of change.events) {
          const fields: Record<string, unknown> = {};
          for (const key of ['node', 'service', 'phase', 'state', 'wave', 'reason'])
            if (event.data[key] !== undefined && event.data[key] !== null) fields[key] = event.data[key];
          log.info(fields, event.type);
        }
      return result;
    },
  };
}

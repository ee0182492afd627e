// The engine in a process: the Upgrades API plus the drivers of the upgrades this process
// holds the lease of. `serve` keeps driving every active upgrade; the CLI drives one until
// it rests (completed, paused, or waiting for `step`).
import type { Config } from '../config/schema.js';
import type { Upgrades } from './api.js';
import { commandFor } from './commands.js';
import { undecided } from './culprit.js';
import { type Attributor, type DriveUntil, drive } from './driver.js';
import { fleetOf, type RangeSource, versionClassifier, versionGates } from './fleet.js';
import type { Clock, NodeRunner, Store, UpgradeSnapshot } from './ports.js';
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
}

export interface Engine {
  upgrades: Upgrades;
  /** Drives the upgrade here (when no other process holds it) until it rests or ends. */
  drive(upgradeId: number, until?: DriveUntil, signal?: AbortSignal): Promise<UpgradeSnapshot>;
  /** Drives every active upgrade, picking up new ones, until the signal aborts. */
  serve(signal: AbortSignal): Promise<void>;
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
  const driving = new Map<number, Promise<UpgradeSnapshot>>();
  const classify = versionClassifier(deps.config, deps.refs);
  const gate = versionGates(deps.config, deps.refs);
  let serving: AbortSignal | undefined;

  const driveOne = async (
    upgradeId: number,
    until: DriveUntil,
    signal?: AbortSignal,
  ): Promise<UpgradeSnapshot> => {
    const snapshot = await deps.store.load(upgradeId);
    if (!snapshot) throw new Error(`no upgrade #${upgradeId}`);
    const fleet = fleetOf(deps.config, snapshot.upgrade.environment, snapshot.upgrade.plan);
    return drive(
      upgradeId,
      {
        store: deps.store,
        runner: deps.runner,
        clock: deps.clock,
        owner: deps.owner,
        nodes: fleet.nodes,
        context: fleet.context,
        attributor: deps.attributor ?? UNKNOWN_CULPRIT,
        command: commandFor(deps.config),
        classify,
        gate,
        ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
        ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
        ...(deps.ownerDead === undefined ? {} : { ownerDead: deps.ownerDead }),
        takeoverGraceMs: longestRun(deps.config),
      },
      until,
      signal,
    );
  };

  const startServing = (upgradeId: number) => {
    if (!serving || serving.aborted || driving.has(upgradeId)) return;
    const task = driveOne(upgradeId, 'terminal', serving).finally(() => driving.delete(upgradeId));
    driving.set(upgradeId, task);
  };

  const upgrades = createUpgrades({
    config: deps.config,
    store: deps.store,
    clock: deps.clock,
    refs: deps.refs,
    kick: startServing,
  });

  return {
    upgrades,
    drive: (upgradeId, until = 'resting', signal) => driveOne(upgradeId, until, signal),
    async serve(signal) {
      serving = signal;
      while (!signal.aborted) {
        for (const upgrade of await deps.store.active()) startServing(upgrade.id);
        await deps.clock.sleep(deps.pollMs ?? 1000, signal).catch(() => undefined);
      }
      await Promise.allSettled(driving.values());
    },
  };
}

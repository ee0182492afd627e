// What the driver (driver.ts) is given: the store and clock, the fleet, the decision context,
// the attributor, and the knobs of its lease and takeover.
import type { DecideContext } from './context.js';
import type { Logger } from './log.js';
import type { HookOutcome } from './observe.js';
import type {
  Clock,
  FailureRecord,
  HookRecord,
  NewEvent,
  Store,
  UpgradeSnapshot,
  VersionGate,
} from './ports.js';
import type { UnitDeps } from './run-unit.js';
import type { VersionClass } from './skew.js';
import type { Culprit, NodeRef, Plan } from './types.js';

export interface Attributor {
  attribute(
    failure: FailureRecord,
    snapshot: UpgradeSnapshot,
    progress: (event: NewEvent) => void,
  ): Promise<Culprit>;
}

export interface DriverDeps extends Omit<UnitDeps, 'now' | 'classify' | 'gate' | 'mayDispatch' | 'store'> {
  store: Store;
  clock: Clock;
  owner: string;
  nodes: Map<string, NodeRef>;
  context: DecideContext;
  attributor: Attributor;
  classify: (snapshot: UpgradeSnapshot, service: string, version: string) => Promise<VersionClass>;
  /** The version gate of a batched unit's script (absent: phases are never batched). */
  gate?: (snapshot: UpgradeSnapshot, service: string) => Promise<VersionGate>;
  /** Runs a hook of the upgrade on its node (absent: hooks count as done without running). */
  runHook?: (hook: HookRecord, node: NodeRef, plan: Plan) => Promise<HookOutcome>;
  leaseMs?: number;
  pollMs?: number;
  /** Whether a lease owner is a process known to have died (on this host). */
  ownerDead?: (owner: string) => boolean;
  /** Where background failures of this driver go (a progress event not stored). */
  log?: Logger;
  /**
   * After taking an expired lease from a holder not known dead, how long the units it left
   * running are left alone (its phases may still run): the longest phase timeout, or the
   * longest batched unit's script when phases are batched.
   */
  takeoverGraceMs?: number;
  /**
   * The epoch an earlier driver of this process held when it returned (its units all settled):
   * taking it again or the very next one, no one else held the lease between, and nothing it
   * left running still runs — no grace (a driver restarted after its database came back).
   */
  settledEpoch?: number;
  /** Told each epoch this driver takes. */
  onEpoch?: (epoch: number) => void;
}

export type DriveUntil = 'resting' | 'terminal';

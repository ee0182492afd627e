// What the chat layer and the CLI ask of the engine: the verbs of PRODUCT.md, "Commands".
// Every mutating verb is checked (a pure decision), stored with its reason and audited
// before it takes effect; a refusal throws a DroverError whose message is the reply.
import type { UpgradeSnapshot } from './ports.js';
import type { Actor, Plan, StrategyKind } from './types.js';

export interface StartOptions {
  environment?: string;
  strategy?: StrategyKind;
  /** `N` or `N%`. */
  batch?: number | string;
  auto?: boolean;
  /** Deploy exactly this commit (continuous deployment): failures are attributed to it. */
  commit?: string;
  /** A deploy: an earlier deploy still running in the environment is superseded, not refused. */
  supersede?: boolean;
  /** With `commit`: deploy it even when it is older than what the environment runs. */
  allowDowngrade?: boolean;
}

/** Which upgrade a verb is about: an id, else the environment's active one, else the only active one. */
export interface Target {
  upgradeId?: number;
  environment?: string;
}

export type RollbackScope = 'wave' | 'all';

export interface Upgrades {
  plan(release: string, options: StartOptions): Promise<Plan>;
  start(actor: Actor, release: string, options: StartOptions): Promise<UpgradeSnapshot>;
  step(actor: Actor, target: Target): Promise<UpgradeSnapshot>;
  status(target: Target): Promise<UpgradeSnapshot[]>;
  pause(actor: Actor, target: Target): Promise<UpgradeSnapshot>;
  resume(actor: Actor, target: Target): Promise<UpgradeSnapshot>;
  rollback(actor: Actor, target: Target, scope: RollbackScope): Promise<UpgradeSnapshot>;
  abort(actor: Actor, target: Target): Promise<UpgradeSnapshot>;
  retry(actor: Actor, target: Target, node: string): Promise<UpgradeSnapshot>;
  skip(actor: Actor, target: Target, node: string): Promise<UpgradeSnapshot>;
  /** Acknowledges a failure (by id, else the newest open one of the target). */
  ack(
    actor: Actor,
    failureId: number | undefined,
    note: string | undefined,
    target: Target,
  ): Promise<UpgradeSnapshot>;
}

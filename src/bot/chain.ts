// The vocabulary of the command path (dispatch.ts): a parsed command, the outcome a step
// returns, and the step itself. Its own module so policy steps (governance/step.ts) and the
// dispatcher share it without importing each other.
import type { UpgradeSnapshot } from '../engine/ports.js';
import type { Actor, Plan } from '../engine/types.js';
import type { ActorContext } from './auth.js';
import type { Approved } from './governance/policy.js';
import type { CommandRequest } from './grammar.js';

export interface Reply {
  text: string;
  /** Shown only to the person who asked (usage errors, refusals, dry runs). */
  ephemeral: boolean;
  ok: boolean;
}

/** A reply and what the command produced, for the callers that print or drive it (the CLI). */
export interface Outcome extends Reply {
  /** The upgrade the command acted on or started. */
  snapshot?: UpgradeSnapshot | undefined;
  /** `status`: the upgrades it found. */
  snapshots?: UpgradeSnapshot[] | undefined;
  /** `plan`: the dry run. */
  plan?: Plan | undefined;
  /** The upgrade the command is about when no snapshot says it (an approval request's). */
  upgradeId?: number | undefined;
  /** The approval request the command created, answered or carried out. */
  requestId?: number | undefined;
  /** The outcome as the audit log records it (default `ok`, or `refused: <text>`). */
  record?: string;
}

/** One parsed command on its way through the chain. */
export interface Command {
  actor: Actor;
  request: CommandRequest;
  context: ActorContext;
  /** The environment it is about, when it can be told (per-environment roles and policies). */
  environment?: string | undefined;
  /** Set when an approved request is carried out as its requester. */
  approved?: Approved | undefined;
}

/**
 * A stage of the chain: look at the command, then return `next()` to let it go on, or return
 * an outcome of your own (`refusal(…)`) to stop it there. Throwing a DroverError refuses too.
 * Whatever a step returns is audited and becomes the reply.
 */
export type Step = (command: Command, next: () => Promise<Outcome>) => Promise<Outcome>;

/** A refusal to return from a step: private to the asker, audited as `refused: <record>`. */
export function refusal(text: string, record = text): Outcome {
  return { text, ephemeral: true, ok: false, record: `refused: ${record}` };
}

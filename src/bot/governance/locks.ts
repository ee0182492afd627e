// Environment locks (PRODUCT.md, "Approvals, locks and freezes"): `lock [env=E] <reason…>`
// holds an environment; others' `start` and `step` are refused naming holder, reason and age;
// `unlock` by anyone but the holder needs `force` and is announced. Pure decisions.
import { humanSpan } from '../../config/zoned.js';
import type { Actor } from '../../engine/types.js';

export interface LockRecord {
  environment: string;
  holderId: string;
  holderName: string;
  reason: string;
  since: Date;
}

/** Verbs a lock holds back from everyone but its holder. */
export const LOCKED_VERBS: ReadonlySet<string> = new Set(['start', 'step']);

export function describeLock(lock: LockRecord, now: Date): string {
  return `${lock.environment} is locked by ${lock.holderName} for ${humanSpan(now.getTime() - lock.since.getTime())}: ${lock.reason}`;
}

/** Why `actor` may not run `verb` under `lock`, or undefined when the lock does not stop it. */
export function lockRefusal(
  lock: LockRecord | undefined,
  actor: Actor,
  verb: string,
  now: Date,
): string | undefined {
  if (!lock || !LOCKED_VERBS.has(verb) || lock.holderId === actor.id) return undefined;
  return `${verb} refused: ${describeLock(lock, now)}. Ask ${lock.holderName}, or \`unlock env=${lock.environment} force\``;
}

export type LockDecision = { kind: 'take' } | { kind: 'renew' } | { kind: 'refuse'; text: string };

export function decideLock(existing: LockRecord | undefined, actor: Actor, now: Date): LockDecision {
  if (!existing) return { kind: 'take' };
  if (existing.holderId === actor.id) return { kind: 'renew' };
  return {
    kind: 'refuse',
    text: `${describeLock(existing, now)}; \`unlock env=${existing.environment} force\` breaks it`,
  };
}

export type UnlockDecision = { kind: 'release'; forced: boolean } | { kind: 'refuse'; text: string };

export function decideUnlock(
  existing: LockRecord | undefined,
  actor: Actor,
  force: boolean,
  environment: string,
  now: Date,
): UnlockDecision {
  if (!existing) return { kind: 'refuse', text: `${environment} is not locked` };
  if (existing.holderId === actor.id) return { kind: 'release', forced: false };
  if (!force)
    return {
      kind: 'refuse',
      text: `${describeLock(existing, now)}; only ${existing.holderName} unlocks it, or anyone with \`unlock env=${environment} force\` (announced in the channel)`,
    };
  return { kind: 'release', forced: true };
}

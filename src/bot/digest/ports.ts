// What digests read beyond the Store: two queries across all upgrades of an environment.
// src/adapters/db/digest-queries.ts implements it.
import type { EngineEvent, EngineEventType, FailureRecord } from '../../engine/ports.js';
import type { LockRecord } from '../governance/locks.js';

export interface DigestQueries {
  /** Failures of the environment's upgrades not yet resolved (open or acked), oldest first. */
  unresolvedFailures(environment: string): Promise<FailureRecord[]>;
  /** Events of the environment's upgrades, of the given types, at or after `since`, oldest first. */
  eventsSince(environment: string, since: Date, types: readonly EngineEventType[]): Promise<EngineEvent[]>;
  /** Who holds the environment (`lock`), if anyone. */
  lock(environment: string): Promise<LockRecord | undefined>;
}

// The bot's ports: a durable outbox of chat messages, the refs of delivered messages (for
// edits and threads), deduplication of incoming events, and digest run claims.
// src/adapters/db implements them; platform adapters implement ChatTransport.
import type { EngineEvent } from '../engine/ports.js';
import type { OutgoingMessage, Platform } from './model.js';

export interface OutboxItem extends OutgoingMessage {
  id: number;
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  /**
   * An earlier try may have reached the platform without drover learning it (its process died
   * mid-call, or the call timed out): look for the message before posting it again.
   */
  unsure: boolean;
}

/** A message as `drover outbox` lists it. */
export interface OutboxEntry {
  id: number;
  platform: Platform;
  channel: string;
  key: string;
  state: 'pending' | 'dead';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deadAt: Date | null;
  summary: string;
}

export type RetryOutcome = 'queued' | 'unknown' | 'not-dead' | 'superseded';

/** Where a delivered message lives on its platform (Slack ts, Discord message id). */
export interface MessageRef {
  platform: Platform;
  channel: string;
  key: string;
  /** Slack `ts` or Discord message id. */
  ref: string;
  /** The thread the message opened, where the platform gives threads their own id (Discord). */
  threadRef: string | null;
}

export interface Outbox {
  /**
   * Turns engine events into messages: enqueues `items` and moves the named consumer's
   * cursor to `cursor`, in one transaction, so an event is rendered exactly once.
   */
  enqueueFromEvents(consumer: string, cursor: number, items: OutgoingMessage[]): Promise<void>;
  enqueue(items: OutgoingMessage[]): Promise<void>;
  /** The consumer's cursor: the id of the last event it rendered (0 at first). */
  cursor(consumer: string): Promise<number>;
  /**
   * Takes due items of a platform for `owner` to deliver until `now + ttlMs`: oldest first, the
   * head of each channel's queue only (delivery is in order per channel), and none of a channel
   * where another delivery is under way — in this process or any other on the same database —
   * so every message is posted once. A claim ends with `delivered` or `retryLater`, or expires.
   */
  claim(platform: Platform, owner: string, now: Date, limit: number, ttlMs: number): Promise<OutboxItem[]>;
  /** The owner's claims last until `until` (a heartbeat while deliveries are under way). */
  extend(owner: string, until: Date): Promise<void>;
  /** Marks the item delivered and records (or keeps) where the message lives; ends its claim. */
  delivered(id: number, ref: MessageRef): Promise<void>;
  /**
   * Puts the item back in its queue, due again at `nextAttemptAt`; ends its claim. `unsure`:
   * the failed try may have been delivered anyway (a timeout), so look before posting again.
   */
  retryLater(id: number, nextAttemptAt: Date, error: string, unsure?: boolean): Promise<void>;
  /**
   * Takes the item out of its channel's queue for good (the platform refused it), with the
   * error; queues `notice` (one plain message to the channel) in the same transaction.
   */
  dead(id: number, error: string, now: Date, notice: OutgoingMessage | undefined): Promise<void>;
  /** Whether the newest version of the key is dead (never delivered). */
  isDead(platform: Platform, channel: string, key: string): Promise<boolean>;
  /** Pending and dead messages, oldest first (`drover outbox`). */
  list(): Promise<OutboxEntry[]>;
  /** Queues a dead message again (`drover outbox retry <id>`). */
  retry(id: number): Promise<RetryOutcome>;
  ref(platform: Platform, channel: string, key: string): Promise<MessageRef | undefined>;
  /** The message whose ref (or threadRef) this is: maps a thread reply to its parent's key. */
  byRef(platform: Platform, channel: string, ref: string): Promise<MessageRef | undefined>;
  /** Items not yet delivered (for health and tests). */
  pending(platform?: Platform): Promise<number>;
}

export interface Dedup {
  /** True the first time (platform, id) is seen; false for a retry of the same event. */
  firstSeen(platform: Platform | 'webhook', eventId: string, now: Date): Promise<boolean>;
  /** Forgets the ids first seen before `before` (past every retry and replay window); how many. */
  forget(before: Date): Promise<number>;
}

export interface DigestRuns {
  /**
   * Claims the run of `environment` scheduled at `scheduledAt`: true when this owner may post
   * it (nobody claimed it, or the claim is older than `staleMs` and unfinished).
   */
  claim(environment: string, scheduledAt: Date, owner: string, now: Date, staleMs: number): Promise<boolean>;
  finish(environment: string, scheduledAt: Date, now: Date): Promise<void>;
  /** The last finished run of the environment, if any. */
  last(environment: string): Promise<{ scheduledAt: Date; finishedAt: Date } | undefined>;
}

export interface DeliverOptions {
  /** An earlier try may have posted it: find the message before posting (OutboxItem.unsure). */
  unsure?: boolean;
}

/** Sends one message to a platform; throws TransportError for every kind of trouble. */
export interface ChatTransport {
  readonly platform: Platform;
  /**
   * Posts (no ref yet) or edits (ref given); returns where the message lives. A post carries
   * the message's key (Slack metadata, Discord nonce) so that a repeated post is recognised.
   */
  deliver(
    item: OutgoingMessage,
    existing: MessageRef | undefined,
    parent: MessageRef | undefined,
    options?: DeliverOptions,
  ): Promise<MessageRef>;
}

export interface TransportErrorOptions {
  cause?: unknown;
  /** The platform refused the message itself (Slack ok:false, Discord 4xx): retrying cannot help. */
  permanent?: boolean;
  /** The call may have reached the platform (timeout, connection lost, 5xx). */
  unsure?: boolean;
  /** Short name of the error for people: `invalid_blocks`, `Discord 50035 Invalid Form Body`. */
  code?: string;
}

export class TransportError extends Error {
  readonly permanent: boolean;
  readonly unsure: boolean;
  readonly code: string;
  constructor(
    message: string,
    /** When the platform said when to come back (HTTP 429 Retry-After), in ms. */
    readonly retryAfterMs: number | undefined,
    options: TransportErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.permanent = options.permanent ?? false;
    this.unsure = options.unsure ?? false;
    this.code = options.code ?? message;
  }
}

export type { EngineEvent };

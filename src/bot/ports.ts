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
}

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
  /** Marks the item delivered and records (or keeps) where the message lives; ends its claim. */
  delivered(id: number, ref: MessageRef): Promise<void>;
  /** Puts the item back in its queue, due again at `nextAttemptAt`; ends its claim. */
  retryLater(id: number, nextAttemptAt: Date, error: string): Promise<void>;
  ref(platform: Platform, channel: string, key: string): Promise<MessageRef | undefined>;
  /** The message whose ref (or threadRef) this is: maps a thread reply to its parent's key. */
  byRef(platform: Platform, channel: string, ref: string): Promise<MessageRef | undefined>;
  /** Items not yet delivered (for health and tests). */
  pending(platform?: Platform): Promise<number>;
}

export interface Dedup {
  /** True the first time (platform, id) is seen; false for a retry of the same event. */
  firstSeen(platform: Platform | 'webhook', eventId: string, now: Date): Promise<boolean>;
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

/** Sends one message to a platform; throws TransportError for retryable trouble. */
export interface ChatTransport {
  readonly platform: Platform;
  /** Posts (no ref yet) or edits (ref given); returns where the message lives. */
  deliver(
    item: OutgoingMessage,
    existing: MessageRef | undefined,
    parent: MessageRef | undefined,
  ): Promise<MessageRef>;
}

export class TransportError extends Error {
  constructor(
    message: string,
    /** When the platform said when to come back (HTTP 429 Retry-After), in ms. */
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export type { EngineEvent };

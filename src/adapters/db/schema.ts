// The database schema (drizzle). Migrations in migrations/ are generated from it by
// drizzle-kit (`npm run db:generate`) and never edited after they land.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ChatMessage } from '../../bot/model.js';
import type { Culprit, Plan } from '../../engine/types.js';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const upgrades = pgTable(
  'upgrades',
  {
    id: serial('id').primaryKey(),
    environment: text('environment').notNull(),
    release: text('release').notNull(),
    state: text('state').notNull(),
    reason: text('reason').notNull().default(''),
    plan: jsonb('plan').$type<Plan>().notNull(),
    revision: integer('revision').notNull().default(0),
    currentWave: integer('current_wave').notNull().default(0),
    /** Who paused it, while paused: 'failures' (fail-fast) or 'operator'. */
    pausedBy: text('paused_by'),
    startedBy: text('started_by').notNull(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: at('lease_expires_at'),
    /** Bumped whenever another owner takes the lease: a driver's writes are fenced by it. */
    leaseEpoch: integer('lease_epoch').notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // The database itself keeps one active upgrade per environment.
    uniqueIndex('upgrades_one_active_per_environment')
      .on(t.environment)
      .where(sql`state in ('planned', 'running', 'paused', 'rolling_back')`),
  ],
);

export const waves = pgTable(
  'waves',
  {
    upgradeId: integer('upgrade_id')
      .notNull()
      .references(() => upgrades.id),
    index: integer('index').notNull(),
    service: text('service').notNull(),
    state: text('state').notNull(),
    reason: text('reason').notNull().default(''),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.upgradeId, t.index] })],
);

export const units = pgTable(
  'units',
  {
    id: serial('id').primaryKey(),
    upgradeId: integer('upgrade_id')
      .notNull()
      .references(() => upgrades.id),
    wave: integer('wave').notNull(),
    seq: integer('seq').notNull(),
    service: text('service').notNull(),
    node: text('node').notNull(),
    state: text('state').notNull(),
    phase: text('phase'),
    startedSeq: integer('started_seq'),
    exitCode: integer('exit_code'),
    outputTail: text('output_tail').notNull().default(''),
    versionBefore: text('version_before'),
    versionAfter: text('version_after'),
    attempts: integer('attempts').notNull().default(0),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [index('units_by_upgrade').on(t.upgradeId, t.seq)],
);

export const phaseRuns = pgTable(
  'phase_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    phase: text('phase').notNull(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    stdoutTail: text('stdout_tail').notNull(),
    stderrTail: text('stderr_tail').notNull(),
    durationMs: integer('duration_ms').notNull(),
    interrupted: text('interrupted'),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [index('phase_runs_by_unit').on(t.unitId)],
);

export const failures = pgTable(
  'failures',
  {
    id: serial('id').primaryKey(),
    upgradeId: integer('upgrade_id')
      .notNull()
      .references(() => upgrades.id),
    fingerprint: text('fingerprint').notNull(),
    /** phase | hook | infrastructure | skew (PRODUCT.md, "Rules the engine keeps"). */
    kind: text('kind').notNull().default('phase'),
    service: text('service').notNull(),
    phase: text('phase').notNull(),
    exitCode: integer('exit_code'),
    nodes: jsonb('nodes').$type<string[]>().notNull(),
    outputTail: text('output_tail').notNull(),
    state: text('state').notNull(),
    culprit: jsonb('culprit').$type<Culprit>(),
    ackedBy: text('acked_by'),
    ackedAt: at('acked_at'),
    ackNote: text('ack_note'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('failures_by_fingerprint').on(t.upgradeId, t.fingerprint),
    check('failures_kind', sql`${t.kind} in ('phase', 'hook', 'infrastructure', 'skew')`),
  ],
);

/** Hook runs of an upgrade: one row per hook and node (PRODUCT.md, "Phases and hooks"). */
export const hookRuns = pgTable(
  'hook_runs',
  {
    id: serial('id').primaryKey(),
    upgradeId: integer('upgrade_id')
      .notNull()
      .references(() => upgrades.id),
    /** precheck | pre | post | rollback */
    name: text('name').notNull(),
    /** null for the precheck. */
    service: text('service'),
    node: text('node').notNull(),
    state: text('state').notNull(),
    exitCode: integer('exit_code'),
    outputTail: text('output_tail').notNull().default(''),
    attempts: integer('attempts').notNull().default(0),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [index('hook_runs_by_upgrade').on(t.upgradeId, t.id)],
);

export const nodeVersions = pgTable(
  'node_versions',
  {
    environment: text('environment').notNull(),
    node: text('node').notNull(),
    service: text('service').notNull(),
    version: text('version').notNull(),
    observedAt: at('observed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.environment, t.node, t.service] })],
);

export const events = pgTable('events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  upgradeId: integer('upgrade_id').notNull(),
  type: text('type').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  at: at('at').notNull().defaultNow(),
});

export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: at('at').notNull().defaultNow(),
  actorId: text('actor_id').notNull(),
  actorPlatform: text('actor_platform').notNull(),
  actorName: text('actor_name').notNull(),
  command: text('command').notNull(),
  args: jsonb('args').$type<Record<string, unknown>>().notNull(),
  outcome: text('outcome').notNull(),
  upgradeId: integer('upgrade_id'),
});

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    channel: text('channel').notNull(),
    key: text('key').notNull(),
    threadOf: text('thread_of'),
    message: jsonb('message').$type<ChatMessage>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    deliveredAt: at('delivered_at'),
    superseded: boolean('superseded').notNull().default(false),
    createdAt: at('created_at').notNull().defaultNow(),
    /** Place in its channel's queue when not its id: newer content of a key keeps the old place. */
    position: bigint('position', { mode: 'number' }),
    /** The drover process delivering it, until when: one delivery at a time per channel. */
    claimedBy: text('claimed_by'),
    claimedUntil: at('claimed_until'),
    /** Refused for good by the platform (after at most 3 tries): out of its channel's queue. */
    deadAt: at('dead_at'),
    /** An earlier try may have been delivered unseen: look for the message before posting. */
    unsure: boolean('unsure').notNull().default(false),
  },
  (t) => [
    index('outbox_due').on(t.platform, t.deliveredAt, t.id),
    index('outbox_queue')
      .on(t.platform, t.channel, sql`coalesce(${t.position}, ${t.id})`)
      .where(sql`delivered_at is null and not superseded`),
  ],
);

export const messageRefs = pgTable(
  'message_refs',
  {
    platform: text('platform').notNull(),
    channel: text('channel').notNull(),
    key: text('key').notNull(),
    ref: text('ref').notNull(),
    threadRef: text('thread_ref'),
  },
  (t) => [
    primaryKey({ columns: [t.platform, t.channel, t.key] }),
    index('message_refs_by_ref').on(t.platform, t.channel, t.ref),
  ],
);

export const consumerCursors = pgTable('consumer_cursors', {
  name: text('name').primaryKey(),
  cursor: bigint('cursor', { mode: 'number' }).notNull(),
});

export const processedEvents = pgTable(
  'processed_events',
  {
    platform: text('platform').notNull(),
    eventId: text('event_id').notNull(),
    seenAt: at('seen_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.eventId] })],
);

export const digestRuns = pgTable(
  'digest_runs',
  {
    environment: text('environment').notNull(),
    scheduledAt: at('scheduled_at').notNull(),
    claimedBy: text('claimed_by').notNull(),
    claimedAt: at('claimed_at').notNull(),
    finishedAt: at('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.environment, t.scheduledAt] })],
);

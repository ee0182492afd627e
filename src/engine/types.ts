// The engine's vocabulary (PRODUCT.md, "Concepts"):
//
//   unit      one (service, node) pair: the unit of work. A controller running Keystone and
//             Nova API is two units, upgraded in the services' dependency order.
//   wave      a set of units upgraded together, followed by a gate (soak, or `step`).
//   phase     drain → upgrade → health → undrain for each unit; `rollback` on demand;
//             `version` reports what the unit runs.
//   failure   one or more units that failed the same way (same fingerprint), with its
//             offending commit (the culprit) and an ack state.
//   event     a fact the engine stored with a state change; chat renders events.
import type { Count, HookName, Phase, StrategyKind } from '../config/schema.js';

export type { HookName, Phase, StrategyKind };

export const UPGRADE_STATES = [
  'planned',
  'running',
  'paused',
  'completed',
  /** Every unit finished, some failed within `maxFailures` or were skipped. */
  'completed_with_failures',
  'failed',
  'rolling_back',
  'rolled_back',
  'aborted',
  /** A deploy replaced by a newer deploy of the same environment: it dispatches nothing more. */
  'superseded',
] as const;
export type UpgradeState = (typeof UPGRADE_STATES)[number];
/** Why a paused upgrade is paused: failures beyond maxFailures (it goes on by itself once retries
 * or skips clear them), an operator (it waits for `resume`), or a failed hook (it waits for
 * `retry hook` or `skip hook`). */
export type PauseCause = 'failures' | 'operator' | 'hook';
export const ACTIVE_UPGRADE_STATES: readonly UpgradeState[] = [
  'planned',
  'running',
  'paused',
  'rolling_back',
];

/** pending → running → soaking | gated → done; failed when fail-fast stopped it. */
export const WAVE_STATES = [
  'pending',
  'running',
  'soaking',
  'gated',
  'done',
  'failed',
  'rolled_back',
] as const;
export type WaveState = (typeof WAVE_STATES)[number];

/**
 * pending → running → done | failed | at_target (already at the target: skipped by version);
 * failed → pending (retry) | skipped; done/failed/running → rolling_back → rolled_back | rollback_failed.
 */
export const UNIT_STATES = [
  'pending',
  'running',
  'done',
  'failed',
  'skipped',
  'at_target',
  'rolling_back',
  'rolled_back',
  'rollback_failed',
] as const;
export type UnitState = (typeof UNIT_STATES)[number];

export const FAILURE_STATES = ['open', 'acked', 'resolved'] as const;

/**
 * What failed: `phase` — a phase command ran and failed or timed out; `hook` — a hook did;
 * `infrastructure` — nothing ran (the node could not be reached, or the connection dropped);
 * `skew` — the unit runs a release it cannot be upgraded from. Only `phase` and `hook`
 * failures have a culprit.
 */
export const FAILURE_KINDS = ['phase', 'hook', 'infrastructure', 'skew'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
export const attributable = (kind: FailureKind): boolean => kind === 'phase' || kind === 'hook';
export type FailureState = (typeof FAILURE_STATES)[number];

export interface StrategyOptions {
  kind: StrategyKind;
  /** rolling: nodes per wave (N or N%). */
  batch: Count;
  /** waves: cumulative counts per service, e.g. [1, '10%', '50%', '100%']. */
  waves: Count[];
  /** Failed units a wave tolerates before dispatch stops (N or N% of the wave). */
  maxFailures: Count;
  /** Per role, fleet-wide: nodes that may be out of service at once. */
  maxUnavailable: Count | undefined;
  soakMs: number;
  auto: boolean;
  concurrency: number;
  /** A node label: waves go one value at a time, maxUnavailable per value. */
  by?: string | undefined;
}

/** A jump host on the way to a node (OpenSSH's ProxyJump). */
export interface Hop {
  host: string;
  port: number;
  user: string;
}

export interface NodeRef {
  name: string;
  host: string;
  port: number;
  user: string;
  roles: string[];
  labels: Record<string, string>;
  /** Jump hosts to go through, first to last (none: a direct connection). */
  jump?: Hop[] | undefined;
}

export interface UnitRef {
  service: string;
  node: string;
}

export interface PlannedWave {
  index: number;
  service: string;
  units: UnitRef[];
  /** Why this wave holds these units in this place (shown by `plan`). */
  why: string;
}

export interface SkippedUnit extends UnitRef {
  version: string;
  why: string;
}

export interface Plan {
  environment: string;
  release: string;
  from: string | undefined;
  /** The commits the release deploys (`{{commit}}`, `{{fromCommit}}`); filled when the repo resolves them. */
  commit: string | undefined;
  fromCommit: string | undefined;
  /** Started for one given commit (continuous deployment): retries never move it. */
  pinned: boolean;
  strategy: StrategyOptions;
  /** Services in upgrade order (the `after:` graph, ties by name). */
  order: string[];
  waves: PlannedWave[];
  skipped: SkippedUnit[];
  /** Per service: which release its nodes run, before and after the plan. */
  skew: Array<{ service: string; before: Record<string, number>; after: Record<string, number> }>;
  /** Lines `plan` shows besides the waves: where nodes came from, how `strategy.by` groups them. */
  notes?: string[];
  /** The hooks it runs, in their order (absent from plans stored before hooks existed). */
  hooks?: PlannedHook[];
}

/**
 * A hook: a command run once, on one node. `precheck` on every node before the first wave;
 * a service's `pre` before its first unit, `post` after every unit of the upgrade is done,
 * `rollback` after `rollback all` rolled its units back.
 *   pending → running → done | failed; failed → pending (`retry hook`) | skipped (`skip hook`).
 */
export const HOOK_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type HookState = (typeof HOOK_STATES)[number];

export interface PlannedHook {
  name: HookName;
  /** null for the precheck, which belongs to no service. */
  service: string | null;
  node: string;
  /** For `pre`: the wave whose units of the service wait for it. */
  wave: number | null;
}

export interface Culprit {
  how: 'commit' | 'bisected' | 'suspects' | 'unknown';
  sha: string | null;
  shortSha: string | null;
  subject: string | null;
  authorName: string | null;
  authorEmail: string | null;
  probes: number;
  /** For `suspects`: the candidate commits, newest first. For others: empty. */
  suspects: Array<{ sha: string; subject: string; authorName: string; authorEmail: string }>;
  /** A sentence for humans: "bisected in 6 probes", "cannot bisect: from already fails". */
  note: string;
}

export interface PhaseResult {
  exitCode: number | null;
  signal: string | null;
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
  /** The command did not finish: the connection dropped or the phase timed out. */
  interrupted: 'timeout' | 'connection' | null;
}

export interface Actor {
  /** `slack:U123`, `discord:5566…`, `cli:alice@host`, `console:alice`, `webhook:deploy`. */
  id: string;
  platform: 'slack' | 'discord' | 'cli' | 'console' | 'webhook' | 'engine';
  name: string;
}

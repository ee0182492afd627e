// The engine's ports: the only ways it reaches the world. Adapters implement them
// (src/adapters/ssh → NodeRunner, src/adapters/db → Store, src/adapters/git → Commits).
import type {
  Actor,
  Culprit,
  FailureKind,
  FailureState,
  HookName,
  HookState,
  NodeRef,
  PauseCause,
  Phase,
  PhaseResult,
  Plan,
  UnitState,
  UpgradeState,
  WaveState,
} from './types.js';

// ── Time ────────────────────────────────────────────────────────────────────────────────

export interface Clock {
  now(): Date;
  /** Resolves after `ms` (or when the clock is advanced past it, for a test clock). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ── Nodes ───────────────────────────────────────────────────────────────────────────────

/** A rendered command: built from a config template, every value shell-quoted. */
export interface Command {
  /** The phase it runs, or `hook` for a hook (precheck, pre, post, rollback). */
  phase: Phase | 'hook';
  text: string;
  timeoutMs: number;
}

/**
 * Which `version` outputs let a batched unit go on to `drain` inside its script (the
 * upgradable ones, exactly as the engine's skew rules read them); any other stops the script
 * and the engine decides (target: health; skew: not touched). `stop*` are checked first;
 * `*Shas` match a trimmed output of at least 7 characters as a prefix.
 */
export interface VersionGate {
  stopNames: string[];
  stopShas: string[];
  goNames: string[];
  goShas: string[];
}

/** A unit's phases sent as one script: `version` (with its gate), then `phases` in order. */
export interface Batch {
  version?: PhaseCommand | undefined;
  gate?: VersionGate | undefined;
  phases: PhaseCommand[];
}

/** A command of one of a unit's phases (not a hook). */
export type PhaseCommand = Command & { phase: Phase };

export interface BatchStep {
  phase: Phase;
  result: PhaseResult;
}

export interface BatchResult {
  /** The phases that ran, in order; the last is the one that failed, if any did. */
  steps: BatchStep[];
  /** The gate stopped the script after `version`. */
  stopped: boolean;
}

/** One open connection to one node, reused for all of a unit's phases. */
export interface NodeSession {
  run(command: Command): Promise<PhaseResult>;
  /** Runs a batch in one round trip (absent: the runner sends each phase on its own). */
  runBatch?(batch: Batch, onStep: (step: BatchStep) => void): Promise<BatchResult>;
  close(): Promise<void>;
}

export interface NodeRunner {
  /** Connects (host key verified), or reuses an idle connection, or throws NodeUnreachableError. */
  open(node: NodeRef): Promise<NodeSession>;
  /** Closes the idle connections it keeps; sessions still open close theirs when they end. */
  close(): Promise<void>;
}

// ── Store ───────────────────────────────────────────────────────────────────────────────

export interface UpgradeRecord {
  id: number;
  environment: string;
  release: string;
  state: UpgradeState;
  reason: string;
  plan: Plan;
  /** Bumped by every commit; a commit names the revision it was decided on. */
  revision: number;
  /** The wave index the upgrade is at (0-based). */
  currentWave: number;
  /** While paused: whether failures beyond maxFailures paused it, or an operator. */
  pausedBy: PauseCause | null;
  startedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface WaveRecord {
  upgradeId: number;
  index: number;
  service: string;
  state: WaveState;
  reason: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface UnitRecord {
  id: number;
  upgradeId: number;
  wave: number;
  /** Position in the plan; rollback runs newest (highest `startedSeq`) first. */
  seq: number;
  service: string;
  node: string;
  state: UnitState;
  /** The phase running now, or the one that failed. */
  phase: Phase | null;
  /** Order in which units were dispatched, for rollback newest first. */
  startedSeq: number | null;
  exitCode: number | null;
  outputTail: string;
  versionBefore: string | null;
  versionAfter: string | null;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface FailureRecord {
  id: number;
  upgradeId: number;
  fingerprint: string;
  kind: FailureKind;
  service: string;
  /** The failing phase, or `hook` for a failure of kind `hook`. */
  phase: Phase | 'hook';
  exitCode: number | null;
  nodes: string[];
  outputTail: string;
  state: FailureState;
  /** null while attribution is still running, and always for `infrastructure` and `skew`. */
  culprit: Culprit | null;
  ackedBy: string | null;
  ackedAt: Date | null;
  ackNote: string | null;
  createdAt: Date;
}

/** One hook of an upgrade on its node: what it did, like a unit's phase. */
export interface HookRecord {
  id: number;
  upgradeId: number;
  name: HookName;
  service: string | null;
  node: string;
  state: HookState;
  exitCode: number | null;
  outputTail: string;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export type NewHookRun = Omit<HookRecord, 'id' | 'upgradeId'>;
export type HookPatch = Partial<Omit<HookRecord, 'upgradeId' | 'name' | 'service' | 'node'>> & { id: number };

export interface UpgradeSnapshot {
  upgrade: UpgradeRecord;
  waves: WaveRecord[];
  units: UnitRecord[];
  failures: FailureRecord[];
  /** In running order: prechecks, then each pre hook, post hooks, rollback hooks. */
  hooks: HookRecord[];
}

export type EngineEventType =
  | 'upgrade.started'
  | 'upgrade.paused'
  | 'upgrade.resumed'
  | 'upgrade.gated'
  | 'upgrade.completed'
  | 'upgrade.failed'
  | 'upgrade.aborted'
  | 'upgrade.rolling_back'
  | 'upgrade.rolled_back'
  | 'wave.started'
  | 'wave.finished'
  | 'unit.finished'
  | 'failure.opened'
  | 'failure.updated'
  | 'failure.attributed'
  | 'failure.acked'
  | 'failure.resolved'
  | 'bisect.progress'
  | 'upgrade.superseded'
  | 'hook.started'
  | 'hook.finished'
  | 'health.retry'
  | 'command';

export interface EngineEvent {
  id: number;
  upgradeId: number;
  type: EngineEventType;
  data: Record<string, unknown>;
  at: Date;
}

export type NewEvent = Omit<EngineEvent, 'id' | 'at' | 'upgradeId'>;

/** Everything one decision changes, written in one transaction with its events. */
export interface Change {
  /** `plan` is replaced whole when given (a retry that picks up a fixing commit moves `plan.commit`). */
  upgrade?: {
    state?: UpgradeState;
    reason?: string;
    currentWave?: number;
    plan?: Plan;
    pausedBy?: PauseCause | null;
  };
  waves?: Array<Partial<Omit<WaveRecord, 'upgradeId' | 'service'>> & { index: number }>;
  units?: Array<
    Partial<Omit<UnitRecord, 'upgradeId' | 'service' | 'node' | 'seq' | 'wave'>> & { id: number }
  >;
  /** New failures (no id), or changes to existing ones (by id). */
  failures?: Array<NewFailure | FailurePatch>;
  /** Changes to the upgrade's hook runs (by id). */
  hooks?: HookPatch[];
  /** Observed versions, kept per environment as the fleet's version map. */
  versions?: Array<{ node: string; service: string; version: string }>;
  events: NewEvent[];
}

export type NewFailure = Omit<
  FailureRecord,
  'id' | 'upgradeId' | 'createdAt' | 'ackedBy' | 'ackedAt' | 'ackNote' | 'state' | 'culprit' | 'kind'
> & {
  id?: undefined;
  /** Default `phase`. */
  kind?: FailureKind;
};
export type FailurePatch = Partial<Omit<FailureRecord, 'upgradeId' | 'fingerprint' | 'createdAt'>> & {
  id: number;
};

export interface NewUpgrade {
  environment: string;
  release: string;
  plan: Plan;
  startedBy: string;
  reason: string;
  /** `awaiting_approval`: a start that waits for approvals (default `planned`). */
  state?: 'planned' | 'awaiting_approval';
  /** Its hook runs (`initialHookRuns(plan)`, engine/hooks.ts): one per hook of the plan; prechecks that ran come done. */
  hooks: NewHookRun[];
}

export interface AuditEntry {
  actor: Actor;
  command: string;
  args: Record<string, unknown>;
  outcome: string;
  upgradeId?: number | null;
  /** The approval request the command answers or carries out. */
  requestId?: number | null;
  /** The environment the command was about, when known. */
  environment?: string | null;
}

/**
 * Fencing: a driver's commit applies only while it still holds the lease at this epoch
 * (checked in the same statement as the revision), and renews it until `now + ttlMs`.
 */
export interface LeaseProof {
  owner: string;
  epoch: number;
  now: Date;
  ttlMs: number;
}

export interface Store {
  /** Creates the upgrade, its waves and units in state `planned`. Throws ActiveUpgradeExistsError. */
  createUpgrade(input: NewUpgrade, event: NewEvent): Promise<UpgradeSnapshot>;
  load(upgradeId: number): Promise<UpgradeSnapshot | undefined>;
  /** The upgrade's revision (bumped by every commit), or undefined when there is no such upgrade. */
  revision(upgradeId: number): Promise<number | undefined>;
  /** Upgrades in an active state, optionally of one environment. */
  active(environment?: string): Promise<UpgradeRecord[]>;
  /** Nodes running a unit of another upgrade of the environment whose driver holds its lease. */
  busyNodes(environment: string, exceptUpgradeId: number, now: Date): Promise<Set<string>>;
  /** The newest upgrades, newest first. */
  recent(limit: number, environment?: string): Promise<UpgradeRecord[]>;
  /**
   * Applies `change` atomically when the upgrade is still at `revision` (null: unconditionally)
   * and, given `lease`, while that lease is held, bumping the revision. Returns ok false,
   * changing nothing, when another writer came first (`leaseLost` when the lease was gone).
   * Failure rows created here are returned in order with their new ids.
   */
  commit(
    upgradeId: number,
    revision: number | null,
    change: Change,
    lease?: LeaseProof,
  ): Promise<{ ok: boolean; failureIds: number[]; leaseLost?: boolean }>;
  /** Records a phase's outcome of a unit without deciding anything (no revision bump). */
  recordPhase(unitId: number, phase: Phase, result: PhaseResult): Promise<void>;
  /**
   * Takes or renews the driving lease: its epoch (bumped whenever the holder changes), or
   * undefined when another owner holds it. `replacing` names a holder known to be dead, whose
   * lease may be taken before it expires.
   */
  acquireLease(
    upgradeId: number,
    owner: string,
    ttlMs: number,
    now: Date,
    replacing?: string,
  ): Promise<number | undefined>;
  releaseLease(upgradeId: number, owner: string): Promise<void>;
  /** Who holds the lease now, if anyone. */
  leaseHolder(upgradeId: number, now: Date): Promise<string | undefined>;
  /** The environment's version map: node → service → last observed version. */
  versions(environment: string): Promise<Map<string, Map<string, string>>>;
  failure(failureId: number): Promise<FailureRecord | undefined>;
  audit(entry: AuditEntry): Promise<void>;
  eventsAfter(cursor: number, limit: number): Promise<EngineEvent[]>;
  /** The id of the newest event (0 when there is none): where a new reader starts. */
  lastEventId(): Promise<number>;
}

// ── The deploy repository ───────────────────────────────────────────────────────────────

export interface CommitInfo {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  subject: string;
  /** Paths the commit touched. */
  files: string[];
}

export interface Commits {
  /** The full sha of a ref; throws naming the ref when it does not resolve. */
  resolve(ref: string): Promise<string>;
  /** `from..to` in first-parent order, oldest first (`from` excluded). */
  range(fromRef: string, toRef: string): Promise<CommitInfo[]>;
  /** Whether `sha` is reachable from `ref`. */
  contains(ref: string, sha: string): Promise<boolean>;
}

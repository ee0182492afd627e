// A Draft is the Change a decision is building, over an effective view of the snapshot:
// every patch is checked against the transition tables and visible to later steps.
import type {
  Change,
  FailurePatch,
  FailureRecord,
  HookPatch,
  HookRecord,
  NewEvent,
  NewFailure,
  UnitRecord,
  UpgradeSnapshot,
  WaveRecord,
} from './ports.js';
import { checkedHook, checkedUnit, checkedUpgrade, checkedWave } from './transitions.js';
import type { PauseCause, UnitState, UpgradeState, WaveState } from './types.js';

type UnitPatch = NonNullable<Change['units']>[number];
type WavePatch = NonNullable<Change['waves']>[number];

export class Draft {
  readonly units = new Map<number, UnitRecord>();
  readonly waves: WaveRecord[];
  readonly failures: FailureRecord[];
  readonly hooks: HookRecord[];
  state: UpgradeState;
  currentWave: number;
  private readonly unitPatches = new Map<number, UnitPatch>();
  private readonly wavePatches = new Map<number, WavePatch>();
  private readonly failurePatches = new Map<number, FailurePatch>();
  private readonly hookPatches = new Map<number, HookPatch>();
  readonly newFailures: NewFailure[] = [];
  private upgradePatch: Change['upgrade'] = undefined;
  private readonly versions: NonNullable<Change['versions']> = [];
  private readonly events: NewEvent[] = [];

  constructor(readonly snapshot: UpgradeSnapshot) {
    for (const unit of snapshot.units) this.units.set(unit.id, { ...unit });
    this.waves = snapshot.waves.map((wave) => ({ ...wave }));
    this.failures = snapshot.failures.map((failure) => ({ ...failure, nodes: [...failure.nodes] }));
    this.hooks = snapshot.hooks.map((hook) => ({ ...hook }));
    this.state = snapshot.upgrade.state;
    this.currentWave = snapshot.upgrade.currentWave;
  }

  get id(): number {
    return this.snapshot.upgrade.id;
  }

  /** A pause is the operator's unless `pausedBy` says failures caused it. */
  setUpgrade(state: UpgradeState, reason: string, event?: NewEvent, pausedBy: PauseCause = 'operator'): void {
    checkedUpgrade(this.id, this.state, state);
    this.state = state;
    this.upgradePatch = {
      ...this.upgradePatch,
      state,
      reason,
      pausedBy: state === 'paused' ? pausedBy : null,
    };
    if (event) this.events.push({ ...event, data: { ...event.data, reason } });
  }

  setPlan(plan: UpgradeSnapshot['upgrade']['plan']): void {
    this.upgradePatch = { ...this.upgradePatch, plan };
  }

  setCurrentWave(index: number): void {
    this.currentWave = index;
    this.upgradePatch = { ...this.upgradePatch, currentWave: index };
  }

  setWave(index: number, state: WaveState, patch: Omit<WavePatch, 'index' | 'state'> = {}): void {
    const wave = this.waves[index]!;
    checkedWave(index, wave.state, state);
    Object.assign(wave, patch, { state });
    this.wavePatches.set(index, { ...this.wavePatches.get(index), ...patch, index, state });
  }

  setUnit(id: number, patch: Omit<UnitPatch, 'id'> & { state?: UnitState }): UnitRecord {
    const unit = this.units.get(id)!;
    if (patch.state !== undefined) checkedUnit(`${unit.service}@${unit.node}`, unit.state, patch.state);
    Object.assign(unit, patch);
    this.unitPatches.set(id, { ...this.unitPatches.get(id), ...patch, id });
    return unit;
  }

  setHook(id: number, patch: Omit<HookPatch, 'id'>): HookRecord {
    const hook = this.hooks.find((h) => h.id === id)!;
    if (patch.state !== undefined)
      checkedHook(`${hook.name} hook of ${hook.service ?? 'every node'}`, hook.state, patch.state);
    Object.assign(hook, patch);
    this.hookPatches.set(id, { ...this.hookPatches.get(id), ...patch, id });
    return hook;
  }

  patchFailure(id: number, patch: Omit<FailurePatch, 'id'>): void {
    const failure = this.failures.find((f) => f.id === id)!;
    Object.assign(failure, patch);
    this.failurePatches.set(id, { ...this.failurePatches.get(id), ...patch, id });
  }

  addFailure(failure: NewFailure): void {
    this.newFailures.push(failure);
  }

  observeVersion(node: string, service: string, version: string): void {
    this.versions.push({ node, service, version });
  }

  emit(event: NewEvent): void {
    this.events.push(event);
  }

  unitsOfWave(index: number): UnitRecord[] {
    return [...this.units.values()].filter((unit) => unit.wave === index).sort((a, b) => a.seq - b.seq);
  }

  isEmpty(): boolean {
    return (
      this.upgradePatch === undefined &&
      this.unitPatches.size === 0 &&
      this.wavePatches.size === 0 &&
      this.failurePatches.size === 0 &&
      this.hookPatches.size === 0 &&
      this.newFailures.length === 0 &&
      this.versions.length === 0 &&
      this.events.length === 0
    );
  }

  toChange(): Change {
    return {
      upgrade: this.upgradePatch,
      waves: [...this.wavePatches.values()],
      units: [...this.unitPatches.values()],
      failures: [...this.newFailures, ...this.failurePatches.values()],
      hooks: [...this.hookPatches.values()],
      versions: this.versions,
      events: this.events,
    };
  }
}

// The legal transitions of upgrades, waves and units. Every state change the engine decides
// passes through `checked…`: an illegal one is an error, never a silent no-op.
import { IllegalTransitionError } from '../errors.js';
import type { HookState, UnitState, UpgradeState, WaveState } from './types.js';

export const UPGRADE_TRANSITIONS: Record<UpgradeState, readonly UpgradeState[]> = {
  planned: ['running', 'aborted', 'superseded'],
  running: [
    'paused',
    'completed',
    'completed_with_failures',
    'failed',
    'rolling_back',
    'aborted',
    'superseded',
  ],
  paused: ['running', 'rolling_back', 'aborted', 'failed', 'superseded'],
  rolling_back: ['rolled_back', 'failed'],
  completed: ['rolling_back'],
  /** `retry <node>` takes it back to running. */
  completed_with_failures: ['running', 'rolling_back'],
  failed: ['rolling_back'],
  rolled_back: [],
  aborted: [],
  superseded: [],
};

export const WAVE_TRANSITIONS: Record<WaveState, readonly WaveState[]> = {
  pending: ['running', 'rolled_back'],
  running: ['soaking', 'gated', 'done', 'failed', 'rolled_back'],
  soaking: ['done', 'rolled_back'],
  gated: ['done', 'rolled_back'],
  done: ['rolled_back'],
  failed: ['running', 'rolled_back'],
  rolled_back: [],
};

export const UNIT_TRANSITIONS: Record<UnitState, readonly UnitState[]> = {
  pending: ['running', 'skipped', 'rolling_back'],
  running: ['done', 'failed', 'at_target', 'rolling_back'],
  done: ['rolling_back'],
  failed: ['pending', 'skipped', 'rolling_back'],
  skipped: [],
  at_target: [],
  rolling_back: ['rolled_back', 'rollback_failed'],
  rolled_back: [],
  rollback_failed: ['rolling_back'],
};

export const HOOK_TRANSITIONS: Record<HookState, readonly HookState[]> = {
  pending: ['running', 'skipped'],
  /** running → pending: interrupted (its process died), run again. */
  running: ['done', 'failed', 'pending'],
  done: [],
  failed: ['pending', 'skipped'],
  skipped: [],
};

export function canTransition<S extends string>(table: Record<S, readonly S[]>, from: S, to: S): boolean {
  return from === to || table[from].includes(to);
}

function checked<S extends string>(table: Record<S, readonly S[]>, what: string, from: S, to: S): S {
  if (!canTransition(table, from, to)) throw new IllegalTransitionError(what, from, to);
  return to;
}

export const checkedUpgrade = (id: number, from: UpgradeState, to: UpgradeState) =>
  checked(UPGRADE_TRANSITIONS, `upgrade #${id}`, from, to);
export const checkedWave = (index: number, from: WaveState, to: WaveState) =>
  checked(WAVE_TRANSITIONS, `wave ${index + 1}`, from, to);
export const checkedUnit = (name: string, from: UnitState, to: UnitState) =>
  checked(UNIT_TRANSITIONS, `unit ${name}`, from, to);

export const checkedHook = (name: string, from: HookState, to: HookState) =>
  checked(HOOK_TRANSITIONS, name, from, to);

export const TERMINAL_UPGRADE: readonly UpgradeState[] = [
  'completed',
  'completed_with_failures',
  'failed',
  'rolled_back',
  'aborted',
  'superseded',
];

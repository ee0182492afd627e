import { describe, expect, it } from 'vitest';
import {
  checkedUnit,
  checkedUpgrade,
  checkedWave,
  UNIT_TRANSITIONS,
  UPGRADE_TRANSITIONS,
  WAVE_TRANSITIONS,
} from '../../src/engine/transitions.js';
import { UNIT_STATES, UPGRADE_STATES, WAVE_STATES } from '../../src/engine/types.js';

const pairs = <S extends string>(states: readonly S[]) =>
  states.flatMap((from) => states.map((to) => [from, to] as const));

describe('transitions', () => {
  it.each(pairs(UPGRADE_STATES))('upgrade %s → %s is legal exactly when the table says so', (from, to) => {
    const legal = from === to || UPGRADE_TRANSITIONS[from].includes(to);
    if (legal) expect(checkedUpgrade(1, from, to)).toBe(to);
    else expect(() => checkedUpgrade(1, from, to)).toThrow(`upgrade #1 cannot go from ${from} to ${to}`);
  });

  it.each(pairs(WAVE_STATES))('wave %s → %s is legal exactly when the table says so', (from, to) => {
    const legal = from === to || WAVE_TRANSITIONS[from].includes(to);
    if (legal) expect(checkedWave(0, from, to)).toBe(to);
    else expect(() => checkedWave(0, from, to)).toThrow(/cannot go from/);
  });

  it.each(pairs(UNIT_STATES))('unit %s → %s is legal exactly when the table says so', (from, to) => {
    const legal = from === to || UNIT_TRANSITIONS[from].includes(to);
    if (legal) expect(checkedUnit('keystone@ctl-1', from, to)).toBe(to);
    else expect(() => checkedUnit('keystone@ctl-1', from, to)).toThrow(/unit keystone@ctl-1 cannot go from/);
  });

  it('has the lifecycle of PRODUCT.md: planned → running ⇄ paused → terminal, rollback from done', () => {
    expect(UPGRADE_TRANSITIONS.planned).toContain('running');
    expect(UPGRADE_TRANSITIONS.running).toEqual(
      expect.arrayContaining(['paused', 'completed', 'rolling_back', 'aborted']),
    );
    expect(UPGRADE_TRANSITIONS.paused).toContain('running');
    expect(UPGRADE_TRANSITIONS.completed).toEqual(['rolling_back']);
    expect(UPGRADE_TRANSITIONS.rolled_back).toEqual([]);
    expect(UPGRADE_TRANSITIONS.aborted).toEqual([]);
    expect(UNIT_TRANSITIONS.done).not.toContain('running');
  });
});

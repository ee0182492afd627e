// Freeze windows evaluated at injected times: recurring cron windows in the environment's
// timezone (DST included), one-off date ranges, chains of overlapping windows.
import { describe, expect, it } from 'vitest';
import { activeFreeze, freezeAhead } from '../../../src/bot/governance/freeze.js';
import type { FreezeWindow } from '../../../src/config/schema.js';
import { zonedInstant } from '../../../src/config/zoned.js';

const H = 3_600_000;
const weekend: FreezeWindow = { cron: '0 17 * * 5', duration: 64 * H, reason: 'weekend' };

describe('freeze windows', () => {
  it('a weekly window is in force from Friday 17:00 to Monday 09:00 in the environment’s timezone', () => {
    const tz = 'Europe/Berlin';
    // Friday 2026-12-04: 16:59 Berlin (15:59Z) is outside; 17:00 Berlin (16:00Z) inside.
    expect(activeFreeze([weekend], tz, new Date('2026-12-04T15:59:00Z'))).toBeUndefined();
    const friday = activeFreeze([weekend], tz, new Date('2026-12-04T16:00:00Z'));
    expect(friday).toEqual({ reason: 'weekend', end: new Date('2026-12-07T08:00:00Z'), endless: false });
    expect(activeFreeze([weekend], tz, new Date('2026-12-07T07:59:59Z'))?.reason).toBe('weekend');
    expect(activeFreeze([weekend], tz, new Date('2026-12-07T08:00:00Z'))).toBeUndefined();
    // In UTC the same window sits an hour later.
    expect(activeFreeze([weekend], 'UTC', new Date('2026-12-04T16:30:00Z'))).toBeUndefined();
    expect(activeFreeze([weekend], 'UTC', new Date('2026-12-04T17:00:00Z'))?.end).toEqual(
      new Date('2026-12-07T09:00:00Z'),
    );
  });

  it('follows daylight saving time: 17:00 Berlin is 15:00Z in summer', () => {
    expect(activeFreeze([weekend], 'Europe/Berlin', new Date('2026-07-03T15:00:00Z'))?.reason).toBe(
      'weekend',
    );
    expect(activeFreeze([weekend], 'Europe/Berlin', new Date('2026-07-03T14:59:00Z'))).toBeUndefined();
  });

  it('one-off windows: dates mean whole days, date-times the minute, both in the timezone', () => {
    const holidays: FreezeWindow = { from: '2026-12-24', to: '2026-12-26', reason: 'holidays' };
    const tz = 'America/New_York';
    expect(activeFreeze([holidays], tz, new Date('2026-12-24T04:59:00Z'))).toBeUndefined();
    expect(activeFreeze([holidays], tz, new Date('2026-12-24T05:00:00Z'))).toEqual({
      reason: 'holidays',
      end: new Date('2026-12-27T05:00:00Z'),
      endless: false,
    });
    const release: FreezeWindow = { from: '2026-12-10T08:00', to: '2026-12-10T12:30', reason: 'launch' };
    expect(activeFreeze([release], 'UTC', new Date('2026-12-10T12:29:00Z'))?.reason).toBe('launch');
    expect(activeFreeze([release], 'UTC', new Date('2026-12-10T12:30:00Z'))).toBeUndefined();
    // An explicit offset wins over the timezone.
    expect(zonedInstant('2026-12-10T08:00+02:00', 'UTC')).toEqual(new Date('2026-12-10T06:00:00Z'));
    expect(zonedInstant('2026-02-30', 'UTC')).toBeUndefined();
  });

  it('windows that overlap or touch end together; always-overlapping ones are marked endless', () => {
    const a: FreezeWindow = { from: '2026-12-10T08:00Z', to: '2026-12-10T10:00Z', reason: 'a' };
    const b: FreezeWindow = { from: '2026-12-10T09:00Z', to: '2026-12-10T12:00Z', reason: 'b' };
    const c: FreezeWindow = { from: '2026-12-10T12:00Z', to: '2026-12-10T13:00Z', reason: 'c' };
    expect(activeFreeze([a, b, c], 'UTC', new Date('2026-12-10T09:30:00Z'))).toEqual({
      reason: 'a; b',
      end: new Date('2026-12-10T13:00:00Z'),
      endless: false,
    });
    const daily: FreezeWindow = { cron: '0 0 * * *', duration: 25 * H, reason: 'always' };
    expect(activeFreeze([daily], 'UTC', new Date('2026-12-10T09:30:00Z'))?.endless).toBe(true);
  });

  it('looks ahead for plan: in force now, or beginning within the minimum duration', () => {
    const thursday = new Date('2026-12-03T12:00:00Z');
    expect(freezeAhead([weekend], 'UTC', thursday, 24 * H)).toBeUndefined();
    expect(freezeAhead([weekend], 'UTC', thursday, 30 * H)).toMatchObject({
      reason: 'weekend',
      begins: new Date('2026-12-04T17:00:00Z'),
      end: new Date('2026-12-07T09:00:00Z'),
    });
    const saturday = new Date('2026-12-05T12:00:00Z');
    expect(freezeAhead([weekend], 'UTC', saturday, 0)?.begins).toEqual(saturday);
  });
});

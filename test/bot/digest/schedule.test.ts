import { describe, expect, it } from 'vitest';
import { checkSchedule, dueRun, nextRun } from '../../../src/bot/digest/schedule.js';
import { DroverError } from '../../../src/errors.js';
import { createTestClock } from '../../support/clock.js';

const BERLIN = 'Europe/Berlin';
const MINUTE = 60_000;

/** Steps a test clock in quarter hours over [from, to) and collects when a digest would be posted. */
function postedBetween(cron: string, timezone: string, from: string, to: string): string[] {
  const clock = createTestClock(from);
  const end = new Date(to).getTime();
  // The run before the window counts as posted, as it would be in a process running all along.
  let last: Date | undefined = dueRun(cron, timezone, undefined, clock.now());
  const posted: string[] = [];
  while (clock.now().getTime() < end) {
    const due = dueRun(cron, timezone, last, clock.now());
    if (due) {
      posted.push(`${due.toISOString()} at ${clock.now().toISOString()}`);
      last = due;
    }
    clock.advance(15 * MINUTE);
  }
  return posted;
}

describe('digest schedule', () => {
  it('fires at 09:00 Berlin time across the spring DST change (last Sunday of March)', () => {
    expect(postedBetween('0 9 * * *', BERLIN, '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z')).toEqual([
      '2026-03-28T08:00:00.000Z at 2026-03-28T08:00:00.000Z', // Saturday, CET (UTC+1)
      '2026-03-29T07:00:00.000Z at 2026-03-29T07:00:00.000Z', // Sunday, CEST (UTC+2) from 02:00
      '2026-03-30T07:00:00.000Z at 2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z at 2026-03-31T07:00:00.000Z',
    ]);
  });

  it('fires at 09:00 Berlin time across the autumn DST change (last Sunday of October)', () => {
    expect(postedBetween('0 9 * * *', BERLIN, '2026-10-23T12:00:00Z', '2026-10-27T12:00:00Z')).toEqual([
      '2026-10-24T07:00:00.000Z at 2026-10-24T07:00:00.000Z', // Saturday, CEST
      '2026-10-25T08:00:00.000Z at 2026-10-25T08:00:00.000Z', // Sunday, CET from 03:00
      '2026-10-26T08:00:00.000Z at 2026-10-26T08:00:00.000Z',
      '2026-10-27T08:00:00.000Z at 2026-10-27T08:00:00.000Z',
    ]);
  });

  it('keeps to weekdays and posts a time in the spring gap once, at the first valid time', () => {
    expect(postedBetween('0 9 * * 1-5', BERLIN, '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-27T08:00:00.000Z at 2026-03-27T08:00:00.000Z', // Friday
      '2026-03-30T07:00:00.000Z at 2026-03-30T07:00:00.000Z', // Monday
    ]);
    // 02:30 does not exist on 29 March in Berlin: posted once, at 03:00 CEST (01:00Z).
    expect(postedBetween('30 2 * * *', BERLIN, '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z at 2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z at 2026-03-29T01:00:00.000Z',
    ]);
    // 02:30 happens twice on 25 October: posted once.
    expect(postedBetween('30 2 * * *', BERLIN, '2026-10-24T12:00:00Z', '2026-10-26T00:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z at 2026-10-25T00:30:00.000Z',
    ]);
  });

  it('a process down over several scheduled times posts one catch-up digest, the latest', () => {
    const lastPosted = new Date('2026-03-24T08:00:00Z'); // Tuesday's digest
    const back = new Date('2026-03-27T10:17:00Z'); // back on Friday after 09:00 local
    expect(dueRun('0 9 * * *', BERLIN, lastPosted, back)?.toISOString()).toBe('2026-03-27T08:00:00.000Z');
    expect(dueRun('0 9 * * *', BERLIN, new Date('2026-03-27T08:00:00Z'), back)).toBeUndefined();
  });

  it('posts nothing when the latest scheduled time is a whole period late or already posted', () => {
    // Weekdays: Friday's digest is 24 h after Thursday's; on Sunday it is more than that late.
    expect(dueRun('0 9 * * 1-5', BERLIN, undefined, new Date('2026-03-29T10:00:00Z'))).toBeUndefined();
    // Monday's comes 72 h after Friday's: an hour late it is still posted.
    expect(dueRun('0 9 * * 1-5', BERLIN, undefined, new Date('2026-03-30T08:00:00Z'))?.toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    // Sunday's digest (29 March) follows Saturday's by 23 h, the DST day being short: late by
    // less than that it is posted, by 23 h or more it is not.
    expect(dueRun('0 9 * * *', BERLIN, undefined, new Date('2026-03-30T05:59:59.999Z'))?.toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(dueRun('0 9 * * *', BERLIN, undefined, new Date('2026-03-30T06:00:00Z'))).toBeUndefined();
    expect(dueRun('*/15 * * * *', 'UTC', undefined, new Date('2026-03-30T10:14:59Z'))?.toISOString()).toBe(
      '2026-03-30T10:00:00.000Z',
    );
    expect(
      dueRun(
        '*/15 * * * *',
        'UTC',
        undefined,
        new Date(Date.parse('2026-03-30T10:00:00Z') + 15 * MINUTE - 1),
      ),
    ).toBeDefined();
    expect(
      dueRun('0 9 * * *', BERLIN, new Date('2026-03-30T07:00:00Z'), new Date('2026-03-30T07:00:01Z')),
    ).toBeUndefined();
  });

  it('gives the next run and refuses a bad expression or timezone with a fix', () => {
    expect(nextRun('0 9 * * *', BERLIN, new Date('2026-03-28T08:00:00Z'))?.toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(() => checkSchedule('0 9 * *', BERLIN)).toThrow(DroverError);
    expect(() => checkSchedule('0 9 * * *', 'Mars/Base')).toThrow(/IANA timezone/);
    expect(() => dueRun('0 9 * * *', 'Mars/Base', undefined, new Date())).toThrow(/Mars\/Base/);
  });
});

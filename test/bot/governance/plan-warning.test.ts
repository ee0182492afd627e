// `plan` warns when an upgrade would run into a freeze window: one in force now, or one that
// begins within its minimum duration; nothing for an environment without windows.
import { describe, expect, it } from 'vitest';
import { planWarning } from '../../../src/bot/governance/plan-warning.js';
import { createTestClock } from '../../support/clock.js';
import { labPlan, openstackConfig } from '../../support/config.js';

const config = openstackConfig({ strategy: '{ kind: rolling, batch: 1, auto: true, soak: 1h }' });
config.environments.lab!.freeze = [{ cron: '0 17 * * 5', duration: 64 * 3_600_000, reason: 'weekend' }];
const plan = { ...labPlan(), strategy: { ...labPlan().strategy, auto: true, soakMs: 3_600_000 } };

describe('plan warnings', () => {
  it('warns of a freeze in force now, with its end', () => {
    const clock = createTestClock('2026-12-05T12:00:00Z');
    expect(planWarning({ config, clock }, plan)).toBe(
      'warning: lab is frozen now (weekend) until Mon, 7 Dec 2026, 09:00 UTC: start and step are refused unless override="<reason>"',
    );
  });

  it('warns of a freeze beginning within the minimum duration (the soaks between its waves)', () => {
    const waves = plan.waves.length;
    const before = new Date(Date.parse('2026-12-04T17:00:00Z') - (waves - 1) * 3_600_000 + 60_000);
    expect(planWarning({ config, clock: createTestClock(before) }, plan)).toMatch(
      /^warning: a freeze of lab \(weekend\) begins Fri, 4 Dec 2026, 17:00 UTC, within this upgrade's minimum duration/,
    );
    const earlier = new Date(before.getTime() - 2 * 60_000);
    expect(planWarning({ config, clock: createTestClock(earlier) }, plan)).toBeUndefined();
  });

  it('says nothing without freeze windows', () => {
    expect(
      planWarning({ config: openstackConfig(), clock: createTestClock('2026-12-05T12:00:00Z') }, plan),
    ).toBeUndefined();
  });
});

// `plan` warns when the upgrade would run into a freeze window: one in force now, or one
// beginning within the upgrade's minimum duration (the soaks between its waves when it
// advances by itself; a gated upgrade's minimum is its first wave).
import { formatZoned, humanSpan } from '../../config/zoned.js';
import type { Plan } from '../../engine/types.js';
import { environmentConfig, type GovernanceDeps, timezoneOf } from './context.js';
import { freezeAhead } from './freeze.js';

export function minimumDurationMs(plan: Plan): number {
  return plan.strategy.auto ? Math.max(0, plan.waves.length - 1) * plan.strategy.soakMs : 0;
}

export function planWarning(deps: Pick<GovernanceDeps, 'config' | 'clock'>, plan: Plan): string | undefined {
  const env = environmentConfig(deps.config, plan.environment);
  if (!env || env.freeze.length === 0) return undefined;
  const now = deps.clock.now();
  const minimum = minimumDurationMs(plan);
  const ahead = freezeAhead(env.freeze, timezoneOf(env), now, minimum);
  if (!ahead) return undefined;
  const zone = timezoneOf(env);
  const ends = `${ahead.endless ? 'at least ' : ''}${formatZoned(ahead.end, zone)}`;
  if (ahead.begins.getTime() === now.getTime())
    return `warning: ${plan.environment} is frozen now (${ahead.reason}) until ${ends}: start and step are refused unless override="<reason>"`;
  return `warning: a freeze of ${plan.environment} (${ahead.reason}) begins ${formatZoned(ahead.begins, zone)}, within this upgrade's minimum duration (${humanSpan(minimum)}); it lasts until ${ends}, and step is refused meanwhile`;
}

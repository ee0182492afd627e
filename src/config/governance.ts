// Checks of the governance keys (PRODUCT.md, "Who may do what", "Approvals, locks and
// freezes"): time zones and freeze windows that can be evaluated, and per-environment role
// lists that name someone.
import { Cron } from 'croner';
import type { PathKey } from './path.js';
import type { ChatIds, Config, EnvironmentConfig } from './schema.js';
import { isTimezone, zonedInstant } from './zoned.js';

interface Issue {
  path: PathKey[];
  message: string;
}

/** The environment's timezone: its own, else its digest's, else UTC. */
export function timezoneOf(env: EnvironmentConfig): string {
  return env.timezone ?? env.digest?.timezone ?? 'UTC';
}

const size = (ids: ChatIds) => ids.slack.length + ids.discord.length + ids.discordRoles.length;

export function governanceIssues(config: Config): Issue[] {
  const issues: Issue[] = [];
  for (const [name, env] of Object.entries(config.environments)) {
    const at = (...path: PathKey[]) => ['environments', name, ...path];
    const timezone = timezoneOf(env);
    const zoneOk = isTimezone(timezone);
    if (env.timezone !== undefined && !zoneOk)
      issues.push({
        path: at('timezone'),
        message: `unknown timezone "${env.timezone}": use an IANA name such as Europe/Berlin`,
      });
    if (env.operators && size(env.operators) === 0)
      issues.push({
        path: at('operators'),
        message: `no operators: list at least one Slack or Discord user who may run upgrades in ${name}`,
      });
    if (!zoneOk) continue;
    env.freeze.forEach((freeze, index) => {
      if ('cron' in freeze) {
        try {
          new Cron(freeze.cron, { timezone, paused: true, mode: '5-or-6-parts' }).nextRun(new Date(0));
        } catch (error) {
          issues.push({
            path: at('freeze', index, 'cron'),
            message: `freeze cron "${freeze.cron}" is not valid (${(error as Error).message}); use five fields such as "0 17 * * 5"`,
          });
        }
        return;
      }
      const start = zonedInstant(freeze.from, timezone);
      const end = zonedInstant(freeze.to, timezone, true);
      if (!start || Number.isNaN(start.getTime()))
        issues.push({ path: at('freeze', index, 'from'), message: `"${freeze.from}" is not a date` });
      else if (!end || Number.isNaN(end.getTime()))
        issues.push({ path: at('freeze', index, 'to'), message: `"${freeze.to}" is not a date` });
      else if (end.getTime() <= start.getTime())
        issues.push({
          path: at('freeze', index, 'to'),
          message: `the window ends (${freeze.to}) before it begins (${freeze.from})`,
        });
    });
  }
  return issues;
}

// Cron expressions and IANA time zones in the config, checked when it is loaded, so that a
// bad digest schedule is an error of `drover validate` with its position, not of the first
// digest at run time.
import { Cron } from 'croner';

export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    // RangeError: not a time zone this runtime knows.
    return `unknown time zone "${timezone}": use an IANA name such as Europe/Berlin or UTC`;
  }
}

export function cronProblem(cron: string, timezone = 'UTC'): string | undefined {
  try {
    new Cron(cron, { timezone, paused: true, mode: '5-or-6-parts' }).nextRun(new Date(0));
    return undefined;
  } catch (error) {
    return `cron "${cron}" is not valid (${error instanceof Error ? error.message : String(error)}): use five fields such as "0 9 * * 1-5"`;
  }
}

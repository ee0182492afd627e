// When a digest is due: the environment's cron expression in its IANA timezone, evaluated by
// croner (DST included). Pure: the caller passes the last posted run and the time.
import { Cron } from 'croner';
import { DroverError } from '../../errors.js';

/** Evaluates the schedule, turning croner's errors into one that says how to fix the config. */
function evaluate<T>(cron: string, timezone: string, use: (job: Cron) => T): T {
  try {
    return use(new Cron(cron, { timezone, paused: true, mode: '5-or-6-parts' }));
  } catch (error) {
    throw new DroverError(
      'config_invalid',
      `digest schedule "${cron}" in timezone "${timezone}" is not valid (${(error as Error).message}); use five cron fields such as "0 9 * * 1-5" and an IANA timezone such as Europe/Berlin`,
      { cause: error },
    );
  }
}

/** Throws a coded error naming the fix when the expression or the timezone is invalid. */
export function checkSchedule(cron: string, timezone: string): void {
  evaluate(cron, timezone, (job) => job.nextRun(new Date(0)));
}

/**
 * The scheduled time to post now, if any: the latest scheduled time ≤ `now` that is newer than
 * the last posted run (`lastPosted`: that run's scheduled time), and less than one period late —
 * the period being the gap from the scheduled time before it. A process that was down over
 * several scheduled times posts only the latest, once; one down for a whole period posts none.
 */
export function dueRun(
  cron: string,
  timezone: string,
  lastPosted: Date | undefined,
  now: Date,
): Date | undefined {
  // croner leaves out a run exactly at the reference; one millisecond later includes it.
  const [latest, before] = evaluate(cron, timezone, (job) =>
    job.previousRuns(2, new Date(now.getTime() + 1)),
  );
  if (!latest || latest.getTime() > now.getTime()) return undefined;
  if (lastPosted && lastPosted.getTime() >= latest.getTime()) return undefined;
  if (before && now.getTime() - latest.getTime() >= latest.getTime() - before.getTime()) return undefined;
  return latest;
}

/** The next scheduled time strictly after `after`. */
export function nextRun(cron: string, timezone: string, after: Date): Date | undefined {
  return evaluate(cron, timezone, (job) => job.nextRun(after)) ?? undefined;
}

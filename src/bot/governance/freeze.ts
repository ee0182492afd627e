// Freeze windows (PRODUCT.md, "Approvals, locks and freezes"): `{cron, duration, reason}`
// repeats, `{from, to, reason}` happens once, both read in the environment's timezone. Pure:
// the caller passes the time.
import { Cron } from 'croner';
import type { FreezeWindow } from '../../config/schema.js';
import { zonedInstant } from '../../config/zoned.js';

export interface Freeze {
  /** The reasons of the windows in force, joined. */
  reason: string;
  /** When the freeze lifts: the end of every window that overlaps it, chained. */
  end: Date;
  /** True when windows keep overlapping past the search horizon: `end` is a lower bound. */
  endless: boolean;
}

interface Span {
  reason: string;
  start: number;
  end: number;
}

const job = (cron: string, timezone: string) =>
  new Cron(cron, { timezone, paused: true, mode: '5-or-6-parts' });

/** The window of `freeze` in force at `t`, if any. */
function spanAt(freeze: FreezeWindow, timezone: string, t: number): Span | undefined {
  if ('cron' in freeze) {
    // croner leaves out a run exactly at the reference; one millisecond later includes it.
    const [start] = job(freeze.cron, timezone).previousRuns(1, new Date(t + 1));
    if (!start) return undefined;
    const end = start.getTime() + freeze.duration;
    return start.getTime() <= t && t < end
      ? { reason: freeze.reason, start: start.getTime(), end }
      : undefined;
  }
  const start = zonedInstant(freeze.from, timezone)?.getTime();
  const end = zonedInstant(freeze.to, timezone, true)?.getTime();
  if (start === undefined || end === undefined) return undefined;
  return start <= t && t < end ? { reason: freeze.reason, start, end } : undefined;
}

/** The first start of `freeze` in (after, until], if any. */
function startIn(freeze: FreezeWindow, timezone: string, after: number, until: number): number | undefined {
  const start =
    'cron' in freeze
      ? job(freeze.cron, timezone).nextRun(new Date(after))?.getTime()
      : zonedInstant(freeze.from, timezone)?.getTime();
  return start !== undefined && start > after && start <= until ? start : undefined;
}

const HORIZON = 400;

/** The freeze in force at `now`, with its reason and when it lifts; undefined when none is. */
export function activeFreeze(windows: FreezeWindow[], timezone: string, now: Date): Freeze | undefined {
  const at = (t: number) => windows.flatMap((freeze) => spanAt(freeze, timezone, t) ?? []);
  const latest = (spans: Span[]) => Math.max(...spans.map((span) => span.end));
  const current = at(now.getTime());
  if (current.length === 0) return undefined;
  const reason = [...new Set(current.map((span) => span.reason))].join('; ');
  let end = latest(current);
  for (let hop = 0; hop < HORIZON; hop += 1) {
    const next = at(end);
    if (next.length === 0) return { reason, end: new Date(end), endless: false };
    end = latest(next);
  }
  return { reason, end: new Date(end), endless: true };
}

/**
 * The first freeze an upgrade starting at `from` and lasting at least `minimumMs` would run
 * into (one in force at `from` included), with when it begins; undefined when none.
 */
export function freezeAhead(
  windows: FreezeWindow[],
  timezone: string,
  from: Date,
  minimumMs: number,
): (Freeze & { begins: Date }) | undefined {
  const active = activeFreeze(windows, timezone, from);
  if (active) return { ...active, begins: from };
  const until = from.getTime() + minimumMs;
  const starts = windows
    .flatMap((freeze) => startIn(freeze, timezone, from.getTime(), until) ?? [])
    .sort((a, b) => a - b);
  const first = starts[0];
  if (first === undefined) return undefined;
  const freeze = activeFreeze(windows, timezone, new Date(first));
  return freeze ? { ...freeze, begins: new Date(first) } : undefined;
}

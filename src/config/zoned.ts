// Wall-clock times in an IANA timezone → instants, without a date library: the offset is
// read from Intl at a first guess and again at the result (DST moves it by the hour).

const DATE_PART =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Whether `timezone` is an IANA zone Intl knows (`Europe/Berlin`, `UTC`). */
export function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    // RangeError: Intl's only answer for an unknown zone.
    return false;
  }
}

/** The zone's offset from UTC at `instant`, in ms (Berlin in winter: +3_600_000). */
export function offsetAt(timezone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * `2026-12-24` or `2026-12-24T17:00` read in `timezone` (an explicit `Z` or offset wins).
 * `endOfDay`: a bare date means the end of that day (the next midnight) instead of its start.
 * Undefined when the text is not such a date.
 */
export function zonedInstant(text: string, timezone: string, endOfDay = false): Date | undefined {
  const match = DATE_PART.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, zone] = match;
  const dateOnly = h === undefined;
  const wall = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d) + (dateOnly && endOfDay ? 1 : 0),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  );
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is not one.
  const real = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number.isNaN(wall) || real.getUTCMonth() !== Number(mo) - 1 || real.getUTCDate() !== Number(d))
    return undefined;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return undefined;
  if (zone) {
    if (zone === 'Z') return new Date(wall);
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    return new Date(wall - offset);
  }
  const first = wall - offsetAt(timezone, wall);
  const second = wall - offsetAt(timezone, first);
  return new Date(second);
}

/** `Fri 17:00 CET`-like text for a chat reply: the instant in the zone, to the minute. */
export function formatZoned(instant: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(instant);
}

/** `2h 5m`, `3d 4h`, `45s`: an age or a span for humans. */
export function humanSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

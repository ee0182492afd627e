// What the chat platforms accept, in one place, and the cuts that keep every message inside it.
// Slack rejects an over-limit message (`invalid_blocks`, `msg_too_long`) and Discord answers
// 400 (code 50035): nothing is truncated for us, so every renderer — Slack blocks, Discord
// embeds, the failure post, the upgrade message, digests, approval posts — measures and cuts
// through here. Lengths are counted in code points, as both platforms count them.

/** Slack Block Kit and Web API limits (api.slack.com reference; the same numbers as @slack/types). */
export const SLACK = {
  text: 40_000,
  blocks: 50,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  actionId: 255,
  blockId: 255,
  /** A button's confirmation dialog: title, text, and its confirm/deny labels. */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

/** Discord message limits (discord.com/developers/docs/resources/message, …/channel). */
export const DISCORD = {
  content: 2_000,
  embeds: 10,
  embedTotal: 6_000,
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  author: 256,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  threadName: 100,
} as const;

/**
 * Sizes the platform-neutral renderers aim for, so that a field, a line or a title fits every
 * platform before the adapters apply their own hard limits: a field fits Discord's 1,024.
 */
export const COMMON = {
  field: Math.min(SLACK.fieldText, DISCORD.fieldValue),
  title: DISCORD.title,
  line: 500,
  reason: 400,
  note: 500,
  subject: 150,
  summary: 300,
} as const;

/** The mark that ends every cut text. */
export const CUT = '…';

/** Length in code points (what the platforms count), not UTF-16 units. */
export function length(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** The first `max` code points (never half a surrogate pair). */
export function head(text: string, max: number): string {
  if (max <= 0) return '';
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n === max) break;
    out += ch;
    n += 1;
  }
  return out;
}

/** The last `max` code points. */
function tail(text: string, max: number): string {
  if (max <= 0) return '';
  const points = [...text];
  return points.slice(Math.max(0, points.length - max)).join('');
}

/** `text` cut to at most `max` code points, ending with `mark` when cut. */
export function clip(text: string, max: number, mark = CUT): string {
  if (length(text) <= max) return text;
  return `${head(text, max - length(mark)).trimEnd()}${mark}`;
}

/** The end of `text` in at most `max` code points, starting with `mark` when cut (output tails). */
export function clipStart(text: string, max: number, mark = `${CUT}\n`): string {
  if (length(text) <= max) return text;
  return `${mark}${tail(text, max - length(mark))}`;
}

/** "a, b, c" — or, past `max`, the first names that fit and "… and 37 more". */
export function names(items: readonly string[], max: number, separator = ', '): string {
  const all = items.join(separator);
  if (length(all) <= max) return all;
  let out = '';
  for (let i = 0; i < items.length; i += 1) {
    const next = `${out}${i > 0 ? separator : ''}${items[i]}`;
    const more = ` ${CUT} and ${items.length - i - 1} more`;
    if (length(next) + length(more) > max) {
      const rest = ` ${CUT} and ${items.length - i} more`;
      return i === 0 ? clip(`${items[0]}${rest}`, max) : `${out}${rest}`;
    }
    out = next;
  }
  return out;
}

/**
 * Free text that may end in a list (an engine reason naming every failed node): past `max`, cut
 * at a list separator and count what was left out; otherwise cut with the mark.
 */
export function clipList(text: string, max: number, separator = ', '): string {
  if (length(text) <= max) return text;
  const room = head(text, max - 16);
  const at = room.lastIndexOf(separator);
  if (at > room.length / 2) {
    const left = text.slice(at + separator.length).split(separator).length;
    return `${room.slice(0, at)} ${CUT} and ${left} more`;
  }
  return clip(text, max);
}

/**
 * Fits rendered pieces into `max` code points: pieces are kept whole while they fit (a mention
 * or an escape is never cut in half); the first that does not is cut through `cutPiece` (raw
 * text re-rendered shorter) or dropped, and the result ends with the mark.
 */
export function fitPieces<T>(
  pieces: readonly T[],
  max: number,
  render: (piece: T) => string,
  shorten: (piece: T, room: number) => T | undefined,
  mark = CUT,
): string {
  const rendered = pieces.map(render);
  const total = rendered.reduce((sum, text) => sum + length(text), 0);
  if (total <= max) return rendered.join('');
  let out = '';
  let room = max - length(mark);
  for (let i = 0; i < pieces.length; i += 1) {
    const text = rendered[i]!;
    if (length(text) <= room) {
      out += text;
      room -= length(text);
      continue;
    }
    // Escaping only lengthens text: shorten until the rendered piece fits.
    for (let want = room; want > 0; want = Math.min(want - 1, Math.floor(want * 0.9))) {
      const short = shorten(pieces[i]!, want);
      const shortText = short === undefined ? undefined : render(short);
      if (shortText !== undefined && length(shortText) <= room) {
        out += shortText;
        break;
      }
      if (short === undefined) break;
    }
    break;
  }
  return `${out.trimEnd()}${mark}`;
}

/** Plain text escaperd by `escaper` and fitted into `max` code points (an escaper is never cut). */
export function fitEscaped(text: string, max: number, escaper: (text: string) => string, mark = CUT): string {
  return fitPieces([text], max, escaper, (piece, room) => head(piece, room), mark);
}

/** `n1000`, `web-07`: a name's prefix and its trailing number, if it ends in digits. */
function numbered(name: string): { prefix: string; n: number; width: number } | undefined {
  const match = /^(.*?)(\d+)$/.exec(name);
  if (!match || match[2]!.length > 15) return undefined;
  return { prefix: match[1]!, n: Number(match[2]), width: match[2]!.length };
}

/**
 * Node names as natural-sorted ranges and a count, for plans and messages at any fleet size:
 * `n1000–n1089 (90 nodes)`, `ctl-1, ctl-2, cmp-1–cmp-40 (42 nodes)`; when that would pass `max`
 * code points, the first ranges and `… and 80 more (120 nodes)`. `--json` keeps every name.
 */
export function nodeRanges(sortedNames: readonly string[], max: number = COMMON.line): string {
  const runs: string[] = [];
  const counts: number[] = [];
  let i = 0;
  while (i < sortedNames.length) {
    const first = sortedNames[i]!;
    const start = numbered(first);
    let j = i;
    while (start && j + 1 < sortedNames.length) {
      const next = numbered(sortedNames[j + 1]!);
      const expected = start.n + (j + 1 - i);
      if (
        !next ||
        next.prefix !== start.prefix ||
        next.n !== expected ||
        sortedNames[j + 1] !== `${start.prefix}${String(expected).padStart(start.width, '0')}`
      )
        break;
      j += 1;
    }
    runs.push(j === i ? first : j === i + 1 ? `${first}, ${sortedNames[j]}` : `${first}–${sortedNames[j]}`);
    counts.push(j - i + 1);
    i = j + 1;
  }
  const total = sortedNames.length;
  const count = total > 1 ? ` (${total} nodes)` : '';
  const whole = `${runs.join(', ')}${count}`;
  if (length(whole) <= max) return whole;
  let shown = '';
  let named = 0;
  for (let k = 0; k < runs.length; k += 1) {
    const next = shown ? `${shown}, ${runs[k]}` : runs[k]!;
    const rest = total - named - counts[k]!;
    if (length(`${next} … and ${rest} more${count}`) > max) break;
    shown = next;
    named += counts[k]!;
  }
  return `${shown ? `${shown} ` : ''}… and ${total - named} more${count}`;
}

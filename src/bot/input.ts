// What chat text may hold before it reaches the grammar or the database. PostgreSQL `text`
// and `jsonb` cannot store NUL, and a control character in a line (a carriage return, an
// escape sequence) can make a terminal or a line reader see another command than the one
// audited. A command line holding one is refused with a usage line; free text that is only
// stored (names, notes, audit copies of refused lines) is cleaned instead.
import { UsageError } from '../errors.js';

// C0 controls except tab and line feed, DEL, and C1 controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Unpaired UTF-16 surrogates cannot be encoded as UTF-8 for the database either. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Longest command line accepted (Slack's own limit for a slash command's text is 4,000). */
export const MAX_LINE = 4000;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** Describes the first control character of `text` as `U+000D at 9`. */
function firstControl(text: string): string {
  const index = text.search(CONTROL);
  const code = text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0');
  return `U+${code} at ${index + 1}`;
}

/**
 * Checks a command line: refuses control characters (a tab or a line feed passes: they are
 * word separators) and over-long lines with a usage line naming what is wrong.
 */
export function checkCommandLine(line: string, usage: string): void {
  if (line.length > MAX_LINE)
    throw new UsageError(`the command is longer than ${MAX_LINE} characters. ${usage}`);
  if (hasControlCharacters(line))
    throw new UsageError(`the command holds a control character (${firstControl(line)}). ${usage}`);
  if (line.search(LONE_SURROGATES) >= 0)
    throw new UsageError(`the command holds a broken character (a lone surrogate). ${usage}`);
}

/** Text the database can store: control characters become U+FFFD, broken characters too. */
export function cleanText(text: string): string {
  return text.replace(CONTROLS, '\ufffd').replace(LONE_SURROGATES, '\ufffd');
}

/** `cleanText` through every string (keys too) of a JSON-like value. */
export function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, cleanText(key), {
        value: cleanDeep(item),
        enumerable: true,
        writable: true,
      });
    }
    return out;
  }
  return value;
}

// Fitting a message to a platform's limit: split its lines over several messages, and past a
// number of parts truncate with a note — never a message the platform would reject.
import { DISCORD, SLACK } from '../limits.js';
import type { ChatMessage, Span } from '../model.js';

export interface Limits {
  /** Characters of one message (title, lines and footer), as a platform counts them roughly. */
  maxChars: number;
  /** Lines of one message (Slack: one block each, 50 blocks at most). */
  maxLines?: number;
  /** Messages one digest may take before the rest is cut with a note. */
  maxParts?: number;
}

/**
 * How a digest is split per platform (src/bot/limits.ts has the platforms' numbers): one Slack
 * section's text and the blocks left after the title and footer; most of a Discord embed.
 */
export const PLATFORM_LIMITS = {
  slack: { maxChars: SLACK.sectionText, maxLines: SLACK.blocks - 5, maxParts: 4 },
  discord: { maxChars: DISCORD.description - 296, maxLines: 80, maxParts: 4 },
  console: { maxChars: 20_000, maxLines: 400, maxParts: 2 },
} as const satisfies Record<string, Required<Limits>>;

export function spanLength(span: Span): number {
  if (typeof span === 'string') return span.length;
  if ('mention' in span) return Math.max(span.mention.name.length, 14) + 3;
  if ('code' in span) return span.code.length + 2;
  return span.bold.length + 2;
}

const lineLength = (line: Span[]) => line.reduce((sum, span) => sum + spanLength(span), 0) + 1;
const spansLength = (spans: Span[] | undefined) => (spans ? lineLength(spans) : 0);

/** Cuts a line to at most `max` characters, ending it with "…". */
export function truncateLine(line: Span[], max: number): Span[] {
  if (lineLength(line) <= max) return line;
  const out: Span[] = [];
  let room = max - 2;
  for (const span of line) {
    const length = spanLength(span);
    if (length <= room) {
      out.push(span);
      room -= length;
      continue;
    }
    const text =
      typeof span === 'string' ? span : 'code' in span ? span.code : 'bold' in span ? span.bold : '';
    if (room > 3 && text) out.push(text.slice(0, room - 3));
    break;
  }
  out.push('…');
  return out;
}

const NOTE_ROOM = 120;

export function splitMessage(message: ChatMessage, limits: Limits): ChatMessage[] {
  const maxLines = limits.maxLines ?? Number.POSITIVE_INFINITY;
  const maxParts = Math.max(1, limits.maxParts ?? 4);
  const lines = message.lines ?? [];
  const overhead =
    spansLength(message.title ?? [message.summary]) +
    spansLength(message.context) +
    spansLength(message.fields?.flatMap((f) => [f.label, ...f.value])) +
    (message.code?.length ?? 0);
  const total = overhead + lines.reduce((sum, line) => sum + lineLength(line), 0);
  if (total <= limits.maxChars && lines.length <= maxLines) return [message];

  const budget = Math.max(200, limits.maxChars - overhead - NOTE_ROOM);
  const lineBudget = Math.max(1, maxLines === Number.POSITIVE_INFINITY ? lines.length : maxLines - 1);
  const parts: Span[][][] = [[]];
  let used = 0;
  for (const original of lines) {
    const line = truncateLine(original, budget);
    const current = parts[parts.length - 1]!;
    if (current.length > 0 && (used + lineLength(line) > budget || current.length >= lineBudget)) {
      parts.push([line]);
      used = lineLength(line);
    } else {
      current.push(line);
      used += lineLength(line);
    }
  }
  let kept = parts;
  if (parts.length > maxParts) {
    kept = parts.slice(0, maxParts);
    const shown = kept.reduce((sum, part) => sum + part.length, 0);
    const left = lines.length - shown;
    kept[kept.length - 1] = [
      ...kept[kept.length - 1]!,
      [
        `… ${left} more line(s) not shown: the digest was cut to fit this platform; \`/upgrade status\` has the rest`,
      ],
    ];
  }
  return kept.map((part, i): ChatMessage => {
    const last = i === kept.length - 1;
    const label = kept.length > 1 ? ` (part ${i + 1}/${kept.length})` : '';
    const { context, ...first } = message;
    return {
      ...(i === 0 ? first : message.tone ? { tone: message.tone } : {}),
      summary: `${message.summary}${label}`,
      title: [...(message.title ?? [message.summary]), label],
      lines: part,
      ...(last && context ? { context } : {}),
    };
  });
}

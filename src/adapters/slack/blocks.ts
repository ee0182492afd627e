// ChatMessage → Slack Block Kit, inside Slack's limits (src/bot/SLACK.ts): Slack rejects an
// over-limit message rather than cutting it. Mentions become `<@U…>` when `people:` maps the
// author. Text from outside (node output, commit subjects, notes) is escaped so that it stays
// text: `<!channel>`, links and mentions come out inert, and output cannot leave its code block.
import { CUT, clipStart, fitEscaped, fitPieces, head, length, SLACK } from '../../bot/limits.js';
import type { ChatMessage, Span } from '../../bot/model.js';

/** Slack's three control characters, and broadcast words defused with a zero-width space. */
export const escapeText = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');

/** Text inside a ``` block: escaped, and no backtick left that could close the block. */
export const escapeCode = (text: string) => escapeText(text).replace(/`/g, 'ˋ');

function renderSpan(span: Span): string {
  if (typeof span === 'string') return escapeText(span);
  if ('mention' in span)
    return span.mention.slack ? `<@${span.mention.slack}>` : escapeText(span.mention.name);
  if ('code' in span) return `\`${escapeText(span.code.replace(/`/g, 'ˋ'))}\``;
  return `*${escapeText(span.bold.replace(/\*/g, '∗'))}*`;
}

function shortenSpan(span: Span, room: number): Span | undefined {
  if (typeof span === 'string') return head(span, room);
  if ('code' in span) return room > 3 ? { code: head(span.code, room - 2) } : undefined;
  if ('bold' in span) return room > 3 ? { bold: head(span.bold, room - 2) } : undefined;
  return undefined;
}

/** Spans as mrkdwn in at most `max` characters (default: a section's text). */
export function mrkdwn(spans: Span[] | undefined, max: number = SLACK.sectionText): string {
  return fitPieces(spans ?? [], max, renderSpan, shortenSpan);
}

/** The message's fallback `text` (notifications, screen readers): escaped like the blocks. */
export function fallbackText(message: ChatMessage): string {
  return fitEscaped(message.summary, SLACK.text, escapeText);
}

export function progressBar(done: number, failed: number, total: number, width = 20): string {
  if (total === 0) return '▓'.repeat(width);
  const ok = Math.round((done / total) * width);
  const bad = Math.min(width - ok, Math.round((failed / total) * width));
  return `${'▓'.repeat(ok)}${'▒'.repeat(bad)}${'░'.repeat(width - ok - bad)}`;
}

const EMOJI: Record<string, string> = {
  good: ':white_check_mark: ',
  danger: ':red_circle: ',
  warning: ':warning: ',
  info: '',
};

/** A mrkdwn text object; `verbatim` so Slack links and mentions only what drover wrote as such. */
const text = (value: string) => ({ type: 'mrkdwn', text: value || '—', verbatim: true });
const section = (value: string) => ({ type: 'section', text: text(value) });

/** Output in a code block, its end kept: the newest lines matter most. */
function codeBlock(code: string, max: number): string {
  const room = max - 6;
  for (let keep = room; keep > 0; keep = Math.floor(keep * 0.9)) {
    const body = escapeCode(clipStart(code, keep));
    if (length(body) <= room) return `\`\`\`${body}\`\`\``;
  }
  return '``` ```';
}

export function toBlocks(message: ChatMessage): unknown[] {
  const fields = message.fields ?? [];
  const buttons = message.buttons ?? [];
  const emoji = EMOJI[message.tone ?? 'info'] ?? '';
  const head_ = message.title
    ? mrkdwn(message.title, SLACK.sectionText - length(emoji))
    : fitEscaped(message.summary, SLACK.sectionText - length(emoji), escapeText);
  const tail_: unknown[] = [];
  if (fields.length > 0) {
    const shown = fields.slice(0, SLACK.fields);
    tail_.push({
      type: 'section',
      fields: shown.map((field, i) => {
        const label = `*${fitEscaped(field.label, 100, escapeText)}*\n`;
        const more =
          i === shown.length - 1 && fields.length > shown.length
            ? ` (${CUT} and ${fields.length - shown.length} more field(s))`
            : '';
        const value = mrkdwn(field.value, SLACK.fieldText - length(label) - more.length) || '—';
        return text(`${label}${value}${more}`);
      }),
    });
  }
  if (message.progress) {
    const { done, failed, pending, total } = message.progress;
    tail_.push({
      type: 'context',
      elements: [
        text(
          `\`${progressBar(done, failed, total)}\` ${done}/${total} done · ${failed} failed · ${pending} pending`,
        ),
      ],
    });
  }
  if (message.code) tail_.push(section(codeBlock(message.code, SLACK.sectionText)));
  if (buttons.length > 0) {
    tail_.push({
      type: 'actions',
      block_id: 'drover_actions',
      elements: buttons.slice(0, SLACK.actionsElements).map((button) => ({
        type: 'button',
        action_id: head(`drover_${button.action}`, SLACK.actionId),
        text: { type: 'plain_text', text: fitEscaped(button.label, SLACK.buttonText, (s) => s) },
        value: head(button.value, SLACK.buttonValue),
        ...(button.style ? { style: button.style } : {}),
      })),
    });
  }
  if (message.context?.length) tail_.push({ type: 'context', elements: [text(mrkdwn(message.context))] });

  // Lines take the blocks left; past that, one line says how many were left out.
  const lines = message.lines ?? [];
  const room = SLACK.blocks - 1 - tail_.length;
  const shownLines = lines.length <= room ? lines : lines.slice(0, room - 1);
  const body = shownLines.map((line) => section(mrkdwn(line, SLACK.sectionText)));
  if (shownLines.length < lines.length)
    body.push(section(`${CUT} and ${lines.length - shownLines.length} more line(s)`));
  return [section(`${emoji}${head_}`), ...body, ...tail_];
}

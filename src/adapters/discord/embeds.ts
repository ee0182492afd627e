// ChatMessage → a Discord message body: an embed (title, fields, progress, output tail, footer),
// button rows, and the mentions in `content` (mentions inside embeds never notify anyone).
// Only the people the message names may be pinged: allowed_mentions lists them, nothing else.
import {
  COMMON,
  CUT,
  clip,
  clipStart,
  DISCORD,
  fitEscaped,
  fitPieces,
  head,
  length,
} from '../../bot/limits.js';
import type { Button, ButtonAction, ChatMessage, Span } from '../../bot/model.js';

const COLOR: Record<NonNullable<ChatMessage['tone']>, number> = {
  info: 0x5865f2,
  good: 0x57f287,
  warning: 0xfee75c,
  danger: 0xed4245,
};
const BUTTON_STYLE = { primary: 1, secondary: 2, danger: 4 } as const;
const CUSTOM_ID = /^drover:(ack|retry|skip|rollback):(.+)$/;

/** Markdown, masked links, mentions and broadcasts in outside text come out as plain text. */
export const escapeMarkdown = (text: string) =>
  text.replace(/([\\*_`~|>[\]<])/g, '\\$1').replace(/@(everyone|here)/gi, '@\u200b$1');

function renderSpan(span: Span): string {
  if (typeof span === 'string') return escapeMarkdown(span);
  if ('mention' in span)
    return span.mention.discord ? `<@${span.mention.discord}>` : escapeMarkdown(span.mention.name);
  if ('code' in span) return `\`${span.code.replace(/`/g, 'ˋ')}\``;
  return `**${escapeMarkdown(span.bold)}**`;
}

function shortenSpan(span: Span, room: number): Span | undefined {
  if (typeof span === 'string') return head(span, room);
  if ('code' in span) return room > 3 ? { code: head(span.code, room - 2) } : undefined;
  if ('bold' in span) return room > 5 ? { bold: head(span.bold, room - 4) } : undefined;
  return undefined;
}

/** Spans as Discord markdown in at most `max` characters. */
export function markdown(spans: Span[] | undefined, max: number = DISCORD.description): string {
  return fitPieces(spans ?? [], max, renderSpan, shortenSpan);
}

/** Discord user ids mentioned anywhere in the message. */
export function mentionedUsers(message: ChatMessage): string[] {
  const spans = [
    ...(message.title ?? []),
    ...(message.lines ?? []).flat(),
    ...(message.fields ?? []).flatMap((field) => field.value),
    ...(message.context ?? []),
  ];
  const ids = spans.flatMap((span) =>
    typeof span === 'object' && 'mention' in span && span.mention.discord ? [span.mention.discord] : [],
  );
  return [...new Set(ids)];
}

export function progressBar(done: number, failed: number, total: number, width = 20): string {
  if (total === 0) return '█'.repeat(width);
  const ok = Math.round((done / total) * width);
  const bad = Math.min(width - ok, Math.round((failed / total) * width));
  return `${'█'.repeat(ok)}${'▓'.repeat(bad)}${'░'.repeat(width - ok - bad)}`;
}

export function customIdOf(button: Button): string {
  return head(`drover:${button.action}:${button.value}`, DISCORD.customId);
}

export function parseCustomId(customId: string): { action: ButtonAction; value: string } | undefined {
  const match = CUSTOM_ID.exec(customId);
  return match ? { action: match[1] as ButtonAction, value: match[2]! } : undefined;
}

export interface DiscordBody {
  content: string;
  embeds: Array<Record<string, unknown>>;
  components: Array<Record<string, unknown>>;
  allowed_mentions: { parse: never[]; users: string[] };
}

/** Text inside a ``` block: no backtick left that could close it. */
export const escapeCode = (text: string) => text.replace(/`/g, 'ˋ');

const plainOf = (spans: Span[]) =>
  spans
    .map((s) => (typeof s === 'string' ? s : 'mention' in s ? s.mention.name : 'code' in s ? s.code : s.bold))
    .join('');

function codeBlock(code: string, max: number): string {
  const room = max - 8;
  if (room < 20) return '';
  for (let keep = room; keep > 0; keep = Math.floor(keep * 0.9)) {
    const body = escapeCode(clipStart(code, keep));
    if (length(body) <= room) return `\`\`\`\n${body}\n\`\`\``;
  }
  return '';
}

/** The embed's description in `max`: lines while they fit, the progress bar, the output's end. */
function description(message: ChatMessage, max: number): string {
  const progress = message.progress
    ? (() => {
        const { done, failed, pending, total } = message.progress;
        return `\`${progressBar(done, failed, total)}\` ${done}/${total} done · ${failed} failed · ${pending} pending`;
      })()
    : undefined;
  const rendered = (message.lines ?? []).map((line) => markdown(line, COMMON.line));
  const linesLength = rendered.reduce((sum, line) => sum + length(line) + 1, 0);
  let room = max - (progress ? length(progress) + 1 : 0);
  const code = message.code
    ? codeBlock(message.code, Math.min(room - 1, Math.max(Math.floor(room / 2), room - linesLength - 1)))
    : '';
  room -= code ? length(code) + 1 : 0;
  const shown: string[] = [];
  for (const [i, line] of rendered.entries()) {
    const more = i < rendered.length - 1 ? 40 : 0;
    if (length(line) + 1 + more > room) {
      shown.push(`${CUT} and ${rendered.length - i} more line(s)`);
      break;
    }
    shown.push(line);
    room -= length(line) + 1;
  }
  return [...shown, ...(progress ? [progress] : []), ...(code ? [code] : [])].join('\n');
}

/** A short message (a thread line: only a summary) is plain text; the rest is an embed. */
export function toDiscordBody(message: ChatMessage): DiscordBody {
  const users = mentionedUsers(message);
  const plain =
    !message.title &&
    !message.lines &&
    !message.fields &&
    !message.progress &&
    !message.code &&
    !message.buttons;
  if (plain)
    return {
      content: fitEscaped(message.summary, DISCORD.content, escapeMarkdown),
      embeds: [],
      components: [],
      allowed_mentions: { parse: [], users },
    };
  // Every part within its own limit, and all of them within the embed's total.
  const title = fitEscaped(
    message.title ? plainOf(message.title) : message.summary,
    DISCORD.title,
    escapeMarkdown,
  );
  const footer = message.context?.length ? clip(plainOf(message.context), Math.min(DISCORD.footer, 500)) : '';
  const allFields = message.fields ?? [];
  const fieldsShown = allFields.slice(0, DISCORD.fields);
  const names = fieldsShown.map((field, i) =>
    clip(
      i === fieldsShown.length - 1 && allFields.length > fieldsShown.length
        ? `${field.label} (${CUT} and ${allFields.length - fieldsShown.length} more)`
        : field.label,
      DISCORD.fieldName,
    ),
  );
  let room =
    DISCORD.embedTotal - length(title) - length(footer) - names.reduce((sum, n) => sum + length(n), 0);
  const wantDescription = message.lines || message.progress || message.code ? Math.min(2000, room / 2) : 0;
  const perField = Math.min(
    DISCORD.fieldValue,
    Math.floor((room - wantDescription) / Math.max(1, fieldsShown.length)),
  );
  const fields = fieldsShown.map((field, i) => {
    const value = markdown(field.value, perField) || '—';
    return { name: names[i]!, value, inline: field.value.length <= 1 && length(value) <= 40 };
  });
  room -= fields.reduce((sum, field) => sum + length(field.value), 0);
  const text = description(message, Math.min(DISCORD.description, room));
  const embed: Record<string, unknown> = {
    title,
    color: COLOR[message.tone ?? 'info'],
    ...(text ? { description: text } : {}),
    ...(fields.length ? { fields } : {}),
    ...(footer ? { footer: { text: footer } } : {}),
  };
  const buttons = (message.buttons ?? []).slice(0, DISCORD.actionRows * DISCORD.buttonsPerRow);
  const components = [];
  for (let i = 0; i < buttons.length; i += DISCORD.buttonsPerRow) {
    components.push({
      type: 1,
      components: buttons.slice(i, i + DISCORD.buttonsPerRow).map((button) => ({
        type: 2,
        style: BUTTON_STYLE[button.style ?? 'secondary'],
        label: clip(button.label, DISCORD.buttonLabel),
        custom_id: customIdOf(button),
      })),
    });
  }
  // The people named are pinged by the content, since an embed's mentions notify nobody.
  const content = clip(users.map((id) => `<@${id}>`).join(' '), DISCORD.content, '');
  return { content, embeds: [embed], components, allowed_mentions: { parse: [], users } };
}

// ChatMessage → a Discord message body: an embed (title, fields, progress, output tail, footer),
// button rows, and the mentions in `content` (mentions inside embeds never notify anyone).
// Only the people the message names may be pinged: allowed_mentions lists them, nothing else.
import type { Button, ButtonAction, ChatMessage, Span } from '../../bot/model.js';

const COLOR: Record<NonNullable<ChatMessage['tone']>, number> = {
  info: 0x5865f2,
  good: 0x57f287,
  warning: 0xfee75c,
  danger: 0xed4245,
};
const BUTTON_STYLE = { primary: 1, secondary: 2, danger: 4 } as const;
const CUSTOM_ID = /^drover:(ack|retry|skip|rollback):(.+)$/;

const escapeMarkdown = (text: string) =>
  text.replace(/([\\*_`~|>])/g, '\\$1').replace(/@(everyone|here)/g, '@\u200b$1');

export function markdown(spans: Span[] | undefined): string {
  return (spans ?? [])
    .map((span) => {
      if (typeof span === 'string') return escapeMarkdown(span);
      if ('mention' in span)
        return span.mention.discord ? `<@${span.mention.discord}>` : escapeMarkdown(span.mention.name);
      if ('code' in span) return `\`${span.code.replace(/`/g, 'ˋ')}\``;
      return `**${escapeMarkdown(span.bold)}**`;
    })
    .join('');
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
  return `drover:${button.action}:${button.value}`.slice(0, 100);
}

export function parseCustomId(customId: string): { action: ButtonAction; value: string } | undefined {
  const match = CUSTOM_ID.exec(customId);
  return match ? { action: match[1] as ButtonAction, value: match[2]! } : undefined;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface DiscordBody {
  content: string;
  embeds: Array<Record<string, unknown>>;
  components: Array<Record<string, unknown>>;
  allowed_mentions: { parse: never[]; users: string[] };
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
      content: clip(escapeMarkdown(message.summary), 2000),
      embeds: [],
      components: [],
      allowed_mentions: { parse: [], users },
    };
  const description: string[] = (message.lines ?? []).map(markdown);
  if (message.progress) {
    const { done, failed, pending, total } = message.progress;
    description.push(
      `\`${progressBar(done, failed, total)}\` ${done}/${total} done · ${failed} failed · ${pending} pending`,
    );
  }
  if (message.code) description.push(`\`\`\`\n${message.code.replace(/```/g, 'ˋˋˋ').slice(-3000)}\n\`\`\``);
  const embed: Record<string, unknown> = {
    title: clip(message.title ? markdown(message.title).replace(/\*\*/g, '') : message.summary, 256),
    color: COLOR[message.tone ?? 'info'],
    ...(description.length ? { description: clip(description.join('\n'), 4096) } : {}),
    ...(message.fields?.length
      ? {
          fields: message.fields.slice(0, 25).map((field) => ({
            name: clip(field.label, 256),
            value: clip(markdown(field.value) || '—', 1024),
            inline: field.value.length <= 1 && markdown(field.value).length <= 40,
          })),
        }
      : {}),
    ...(message.context?.length
      ? {
          footer: {
            text: clip(
              message.context
                .map((s) =>
                  typeof s === 'string' ? s : 'mention' in s ? s.mention.name : 'code' in s ? s.code : s.bold,
                )
                .join(''),
              2048,
            ),
          },
        }
      : {}),
  };
  const buttons = message.buttons ?? [];
  const components = [];
  for (let i = 0; i < buttons.length && components.length < 5; i += 5) {
    components.push({
      type: 1,
      components: buttons.slice(i, i + 5).map((button) => ({
        type: 2,
        style: BUTTON_STYLE[button.style ?? 'secondary'],
        label: clip(button.label, 80),
        custom_id: customIdOf(button),
      })),
    });
  }
  // The people named are pinged by the content, since an embed's mentions notify nobody.
  const content = users.length ? users.map((id) => `<@${id}>`).join(' ') : '';
  return { content, embeds: [embed], components, allowed_mentions: { parse: [], users } };
}

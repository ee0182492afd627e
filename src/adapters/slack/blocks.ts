// ChatMessage → Slack Block Kit. Mentions become `<@U…>` when `people:` maps the author.
import type { ChatMessage, Span } from '../../bot/model.js';

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function mrkdwn(spans: Span[] | undefined): string {
  return (spans ?? [])
    .map((span) => {
      if (typeof span === 'string') return escapeText(span);
      if ('mention' in span)
        return span.mention.slack ? `<@${span.mention.slack}>` : escapeText(span.mention.name);
      if ('code' in span) return `\`${escapeText(span.code)}\``;
      return `*${escapeText(span.bold)}*`;
    })
    .join('');
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

export function toBlocks(message: ChatMessage): unknown[] {
  const blocks: unknown[] = [];
  const title = message.title ? mrkdwn(message.title) : escapeText(message.summary);
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: `${EMOJI[message.tone ?? 'info'] ?? ''}${title}` },
  });
  for (const line of message.lines ?? [])
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn(line) } });
  if (message.fields?.length) {
    blocks.push({
      type: 'section',
      fields: message.fields.slice(0, 10).map((field) => ({
        type: 'mrkdwn',
        text: `*${escapeText(field.label)}*\n${mrkdwn(field.value) || '—'}`,
      })),
    });
  }
  if (message.progress) {
    const { done, failed, pending, total } = message.progress;
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `\`${progressBar(done, failed, total)}\` ${done}/${total} done · ${failed} failed · ${pending} pending`,
        },
      ],
    });
  }
  if (message.code)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `\`\`\`${message.code.slice(-2800)}\`\`\`` },
    });
  if (message.buttons?.length) {
    blocks.push({
      type: 'actions',
      block_id: 'drover_actions',
      elements: message.buttons.map((button) => ({
        type: 'button',
        action_id: `drover_${button.action}`,
        text: { type: 'plain_text', text: button.label },
        value: button.value,
        ...(button.style ? { style: button.style } : {}),
      })),
    });
  }
  if (message.context?.length)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(message.context) }] });
  return blocks;
}

// ChatMessage → terminal lines: what the channel would show, as plain text. Mentions read
// `@Name`, buttons `[Acknowledge: ack 12]` so a console user knows what to type.
import type { ChatMessage, Span } from '../../bot/model.js';

export function spanText(spans: Span[] | undefined): string {
  return (spans ?? [])
    .map((span) => {
      if (typeof span === 'string') return span;
      if ('mention' in span) return `@${span.mention.name}`;
      if ('code' in span) return `\`${span.code}\``;
      return span.bold;
    })
    .join('');
}

export function progressBar(done: number, failed: number, total: number, width = 24): string {
  if (total === 0) return `[${'='.repeat(width)}]`;
  const ok = Math.round((done / total) * width);
  const bad = Math.min(width - ok, Math.round((failed / total) * width));
  return `[${'='.repeat(ok)}${'x'.repeat(bad)}${' '.repeat(width - ok - bad)}]`;
}

const BUTTON_COMMANDS: Record<string, (value: string) => string> = {
  ack: (value) => `ack ${value.replace(/^failure:/, '')}`,
  retry: (value) => `upgrade retry ${value.split(':')[1]} id=${value.split(':')[0]}`,
  skip: (value) => `upgrade skip ${value.split(':')[1]} id=${value.split(':')[0]}`,
  rollback: (value) => `upgrade rollback wave id=${value}`,
};

/** The lines of a message; `indent` for thread replies. */
export function renderLines(message: ChatMessage, indent = ''): string[] {
  const lines: string[] = [];
  const title = spanText(message.title) || message.summary;
  const mark =
    message.tone === 'danger'
      ? '✖ '
      : message.tone === 'good'
        ? '✔ '
        : message.tone === 'warning'
          ? '! '
          : '';
  lines.push(`${mark}${title}`);
  for (const line of message.lines ?? []) lines.push(spanText(line));
  for (const field of message.fields ?? []) lines.push(`${field.label}: ${spanText(field.value)}`);
  if (message.progress) {
    const { done, failed, pending, total } = message.progress;
    lines.push(
      `${progressBar(done, failed, total)} ${done}/${total} done, ${failed} failed, ${pending} pending`,
    );
  }
  if (message.code) {
    const code = message.code.split('\n').slice(-12);
    lines.push(...code.map((line) => `  | ${line}`));
  }
  if (message.buttons?.length) {
    lines.push(
      message.buttons
        .map(
          (button) => `[${button.label}: ${BUTTON_COMMANDS[button.action]?.(button.value) ?? button.value}]`,
        )
        .join(' '),
    );
  }
  if (message.context?.length) lines.push(`(${spanText(message.context)})`);
  return lines.map((line, index) => `${indent}${index === 0 ? '' : '  '}${line}`);
}

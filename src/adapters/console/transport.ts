// The console as a chat platform: messages are printed as the channel would show them.
// On a terminal an edit of the newest message redraws it in place; in a pipe or on a dumb
// terminal every post and edit is printed as plain lines, so a session can be scripted.
import type { OutgoingMessage } from '../../bot/model.js';
import type { ChatTransport, MessageRef } from '../../bot/ports.js';
import { renderLines } from './render.js';

export interface ConsoleScreen {
  write(text: string): void;
  /** Cursor movement allowed (a real terminal that is not dumb). */
  fancy: boolean;
}

export function createConsoleTransport(screen: ConsoleScreen): ChatTransport {
  let next = 1;
  let last: { ref: string; lines: number } | undefined;
  return {
    platform: 'console',
    async deliver(
      item: OutgoingMessage,
      existing: MessageRef | undefined,
      parent: MessageRef | undefined,
    ): Promise<MessageRef> {
      const ref = existing?.ref ?? `m${next++}`;
      const indent = item.threadOf ? '    ↳ ' : '';
      const lines = renderLines(item.message, indent);
      if (existing && screen.fancy && last?.ref === ref) {
        screen.write(`\x1b[${last.lines}A\x1b[J`);
      } else if (existing) {
        lines[0] = `${indent}(updated) ${lines[0]!.slice(indent.length)}`;
      }
      screen.write(`${lines.join('\n')}\n`);
      last = { ref, lines: lines.length };
      void parent;
      return { platform: 'console', channel: item.channel, key: item.key, ref, threadRef: null };
    },
  };
}

// A button press → the command it stands for. Platform-neutral: Slack and Discord both
// carry the action and its value back, and the same line goes through the dispatcher.

import type { CommandRequest } from './grammar.js';
import type { ButtonAction } from './model.js';

export function commandForButton(action: ButtonAction, value: string): CommandRequest | undefined {
  const [first, second, third] = value.split(':');
  const id = Number.parseInt(action === 'ack' ? (second ?? '') : (first ?? ''), 10);
  if (!Number.isInteger(id) || id <= 0) return undefined;
  switch (action) {
    case 'ack':
      return first === 'failure' ? { verb: 'ack', failure: id } : undefined;
    case 'retry':
    case 'skip': {
      // `<upgrade>:failure:<id>`: every node of the failure; `<upgrade>:<node>` (older posts): one.
      if (second === 'failure') {
        const failure = Number.parseInt(third ?? '', 10);
        return Number.isInteger(failure) && failure > 0 ? { verb: action, failure, id } : undefined;
      }
      return second ? { verb: action, node: second, id } : undefined;
    }
    case 'rollback':
      return { verb: 'rollback', scope: 'wave', id };
    case 'step':
    case 'pause':
    case 'resume':
    case 'abort':
      return { verb: action, id };
    case 'approve':
      return { verb: 'approve', request: id };
    case 'reject':
      return { verb: 'reject', request: id };
  }
}

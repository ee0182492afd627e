// A chat session in the terminal: lines in, the bot's replies and the channel's posts out.
// `as <person> <command>` acts as a configured person, to try the permissions.

import { CONSOLE_PERSON } from '../../bot/auth.js';
import type { Dispatcher } from '../../bot/dispatch.js';
import { cleanText, hasControlCharacters } from '../../bot/input.js';
import type { Config } from '../../config/schema.js';
import type { Actor } from '../../engine/types.js';

export interface ConsoleSessionDeps {
  config: Config;
  dispatcher: Dispatcher;
  /** The local user: counts as an operator, like the CLI. */
  self: Actor;
  write: (text: string) => void;
  /** Waits until what the command set off has played out and been posted. */
  settle: () => Promise<void>;
  /** Print each command line before its reply (for transcripts and pipes). */
  echo: boolean;
}

const HELP = `console commands: any /upgrade line (the leading "/upgrade" is optional), "as <person> <line>" to act as
someone from people: in drover.yaml, "help", "quit"`;

export function personActor(config: Config, who: string): Actor | undefined {
  const wanted = who.toLowerCase();
  const person = config.people.find((p) => {
    const names = [p.email, p.email.split('@')[0], p.name, p.name?.split(' ')[0]]
      .filter((n): n is string => Boolean(n))
      .map((n) => n.toLowerCase());
    return names.includes(wanted);
  });
  return person
    ? { id: `${CONSOLE_PERSON}${person.email}`, platform: 'console', name: person.name ?? person.email }
    : undefined;
}

export function createConsoleSession(deps: ConsoleSessionDeps) {
  const promptOf = (actor: Actor) => `${actor.name}> `;
  return {
    prompt: promptOf(deps.self),
    /** Handles one line; false when the session should end. */
    async handleLine(raw: string): Promise<boolean> {
      // Trimming would drop a control character at either end: the dispatcher refuses the line whole.
      const line = hasControlCharacters(raw) ? raw : raw.trim();
      if (!line || line.startsWith('#')) return true;
      if (line === 'quit' || line === 'exit') return false;
      let actor = deps.self;
      let text = line;
      const as = /^as\s+(\S+)\s+(.+)$/.exec(line);
      if (as) {
        const person = personActor(deps.config, as[1]!);
        if (!person) {
          deps.write(
            `  ! no person "${as[1]}" in people: (${deps.config.people.map((p) => p.name ?? p.email).join(', ') || 'none'})`,
          );
          return true;
        }
        actor = person;
        text = as[2]!;
      }
      if (deps.echo) deps.write(`${promptOf(actor)}${cleanText(text)}`);
      if (text === 'help' && !as) deps.write(HELP);
      const reply = await deps.dispatcher.handle(actor, text);
      deps.write(
        reply.text
          .split('\n')
          .map((l, i) => `  ${i === 0 ? (reply.ephemeral ? '↪ (only you) ' : '↪ ') : '  '}${l}`)
          .join('\n'),
      );
      await deps.settle();
      return true;
    },
  };
}

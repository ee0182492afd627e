// The remote watchdog: every command runs under GNU `timeout`, which signals the command's
// whole process group at the deadline (TERM, then KILL). A simple command (plain and
// single-quoted words, as rendered templates usually are) is handed to `timeout` as its words;
// anything else runs through `sh -c`, which costs the node one more process per command.
import type { Command } from '../../engine/ports.js';
import { shellQuote } from '../../shell/template.js';

/** Seconds the remote watchdog waits after TERM before KILL: a tenth of the timeout, 1–5 s. */
export const killAfterSeconds = (timeoutMs: number) =>
  Math.min(5, Math.max(1, Math.ceil(timeoutMs / 10_000)));

/** A word any POSIX shell reads as itself: safe characters and '…' (nothing expands). */
const WORD = /^(?:[A-Za-z0-9_@%+=:,./-]|'[^']*')+$/;
/** A command name `timeout` can run: no assignment, no expansion at its start, not a builtin. */
const PROGRAM = /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/;
const BUILTINS = new Set(
  (
    '. : alias bg break builtin cd command continue declare dirs disown eval exec exit export fc fg ' +
    'getopts hash history jobs let local logout mapfile popd pushd read readarray readonly return ' +
    'select set shift shopt source suspend time times trap type typeset ulimit umask unalias unset ' +
    'wait if then else elif fi case esac for while until do done function'
  ).split(' '),
);

/** The command's words when `timeout` can run it without a shell, else undefined. */
export function simpleWords(text: string): string[] | undefined {
  const words = text.trim().split(/ +/);
  // A word starting with `=` is a path lookup to zsh (`=ls`): left to sh.
  if (words.length === 0 || !words.every((word) => WORD.test(word) && !word.startsWith('=')))
    return undefined;
  const program = words[0]!;
  if (!PROGRAM.test(program) || BUILTINS.has(program)) return undefined;
  return words;
}

/** The command under the watchdog: it and everything it starts are gone at the timeout. */
export function wrapWithTimeout(command: Pick<Command, 'text' | 'timeoutMs'>): string {
  return `exec ${underWatchdog(command)}`;
}

/** `timeout … <command>`, as a line of a shell script (batch.ts) or after `exec`. */
export function underWatchdog(command: Pick<Command, 'text' | 'timeoutMs'>): string {
  const seconds = (Math.max(100, command.timeoutMs) / 1000).toFixed(3);
  const watchdog = `timeout -k ${killAfterSeconds(command.timeoutMs)}s ${seconds}s`;
  const words = simpleWords(command.text);
  return words ? `${watchdog} ${words.join(' ')}` : `${watchdog} sh -c ${shellQuote(command.text)}`;
}

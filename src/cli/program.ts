// The `drover` program: commander with every `*-command` module of this folder. Adding a
// command is adding one such file (README.md); its top-level imports stay light (heavy parts
// load in its action), since every command is defined on every run.
import { readdirSync } from 'node:fs';
import { Command } from 'commander';
import type { Io } from './io.js';

export interface CliContext {
  io: Io;
  /** The exit code of the command that ran (0 unless told). */
  exit(code: number): void;
}

/** What a `*-command` module exports as `command`. */
export interface CliCommand {
  /** Where it is listed in `drover help` (lower first). */
  order: number;
  /** Adds the command (arguments, options, help, action) to the program. */
  define(program: Command, context: CliContext): void;
}

const isCliCommand = (value: unknown): value is CliCommand =>
  typeof value === 'object' &&
  value !== null &&
  'define' in value &&
  typeof value.define === 'function' &&
  'order' in value &&
  typeof value.order === 'number';

/** Every `*-command.ts` (or `.js` once built) next to this file, in help order. */
export async function loadCommands(): Promise<CliCommand[]> {
  const here = new URL('./', import.meta.url);
  const files = readdirSync(here).filter(
    (file) => /-command\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'),
  );
  const commands = await Promise.all(
    files.map(async (file) => {
      const loaded: { command?: unknown } = await import(new URL(file, here).href);
      if (!isCliCommand(loaded.command))
        throw new Error(`src/cli/${file} exports no \`command\` (a CliCommand)`);
      return loaded.command;
    }),
  );
  return commands.sort((a, b) => a.order - b.order);
}

/** `drover upgrade start` for a command: the words that reach it. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

export async function buildProgram(context: CliContext, version: string): Promise<Command> {
  const { io } = context;
  const program = new Command('drover')
    .description('fleet upgrades in waves, steered from chat')
    .version(version, '-V, --version', 'the version of drover')
    .helpCommand('help [command]', 'a command’s arguments and options')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    })
    .addHelpText(
      'after',
      `
environment: DROVER_CONFIG (default drover.yaml), DATABASE_URL (default: embedded PGlite in .drover/),
  PORT, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, DISCORD_TOKEN, DISCORD_APPLICATION_ID,
  DISCORD_API_URL, DROVER_WEBHOOK_SECRET, DROVER_SSH_PASSPHRASE`,
    );
  for (const command of await loadCommands()) command.define(program, context);
  // A mistake gets the usage line of the command it was made on (and exits 64, see cli.ts).
  const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
  for (const command of everyCommand(program))
    command.showHelpAfterError(`usage: ${commandPath(command)} ${command.usage()}`);
  return program;
}

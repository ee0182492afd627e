// `drover`: the command line. Routes a command to its module in src/cli/; those modules and
// src/cli/runtime.ts are the only places that wire adapters to the engine and the bot.
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { flagValue } from './cli/args.js';
import { debugStack, EXIT_USAGE, isArgumentError, oneLine } from './cli/errors-out.js';
import { summarize } from './cli/validate.js';
import { ConfigError } from './config/errors.js';
import { EXAMPLE_CONFIG } from './config/example.js';
import { configPath, loadConfig } from './config/load.js';
import { DroverError } from './errors.js';

export const USAGE = `drover — fleet upgrades in waves, steered from chat

usage: drover <command> [options]

commands:
  init [--config F] [--force]     write a commented example drover.yaml
  validate [--config F] [--reach] check the config (and with --reach: keys, refs, nodes over SSH)
  plan <release> [--env E] [--strategy S] [--batch N] [--json]
                                  dry run: the waves, the order, the version skew
  upgrade <verb> … [--wait] [--json]
                                  the chat verbs from the shell (drover upgrade help)
  migrate                         apply database migrations (a second run is a no-op)
  serve                           run Slack and/or Discord, the deploy webhook and /healthz
  console [--as USER]             chat with drover in the terminal
  demo [--interactive]            the whole product on this machine: no servers, no tokens
  discord register                register the /upgrade command with Discord

environment: DROVER_CONFIG (default drover.yaml), DATABASE_URL (default: embedded PGlite in .drover/),
  PORT, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, DISCORD_TOKEN, DISCORD_APPLICATION_ID,
  DISCORD_API_URL, DROVER_WEBHOOK_SECRET, DROVER_SSH_PASSPHRASE`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};

type Command = (args: string[], io: Io) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  init: async () => init,
  validate: async () => (await import('./cli/validate-command.js')).validateCommand,
  plan: async () => (await import('./cli/plan-command.js')).planCommand,
  upgrade: async () => (await import('./cli/upgrade-command.js')).upgradeCommand,
  migrate: async () => (await import('./cli/migrate-command.js')).migrateCommand,
  console: async () => (await import('./cli/console-command.js')).consoleCommand,
  demo: async () => (await import('./cli/demo-command.js')).demoCommand,
  serve: async () => (await import('./cli/serve-command.js')).serveCommand,
  discord: async () => (await import('./cli/discord-command.js')).discordCommand,
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 1 : 0;
  }
  const load = commands[name];
  if (!load) {
    io.err(`drover: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  try {
    return await (await load())(args, io);
  } catch (error) {
    return report(error, io);
  }
}

export function report(error: unknown, io: Io): number {
  if (error instanceof ConfigError) io.err(error.message);
  else if (error instanceof DroverError) io.err(`drover: ${error.message}`);
  else if (isArgumentError(error)) {
    io.err(`drover: ${oneLine(error)} (drover --help lists the commands and their options)`);
    return EXIT_USAGE;
  } else {
    io.err(`drover: ${oneLine(error)}`);
    const stack = debugStack(error, io.env);
    if (stack) io.err(stack);
  }
  return 1;
}

async function init(args: string[], io: Io): Promise<number> {
  const flag = flagValue(args, '--config');
  const file = configPath(io.env, flag);
  if (existsSync(file) && !args.includes('--force')) {
    io.err(`drover: ${file} exists; pass --force to overwrite it`);
    return 1;
  }
  writeFileSync(file, EXAMPLE_CONFIG);
  const { config } = loadConfig(io.env, file);
  io.out(`wrote ${file}\n${summarize(config, file)}`);
  return 0;
}

/**
 * Commands other than `serve` run the embedded database's WebAssembly on V8's baseline
 * compiler only: optimizing PostgreSQL's hot functions costs a run of seconds or minutes more
 * CPU (~1.5 s at start, ~3 s over a 200-node upgrade here) than it saves. `serve` lives long
 * enough to profit from it. Called by the entry points, before the database is loaded.
 */
export function tuneForCommand(argv: string[]): void {
  if (argv[0] !== 'serve') setFlagsFromString('--liftoff-only');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  tuneForCommand(process.argv.slice(2));
  process.exitCode = await main(process.argv.slice(2));
}

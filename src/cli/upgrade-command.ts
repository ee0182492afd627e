// `drover upgrade <verb> …`: the chat verbs from the shell, options as flags. Each verb's
// arguments and flags come from the grammar's verb table; the words become the same
// CommandRequest a chat line does, and the dispatcher carries it out (authorized, audited).
// The CLI acts as the local user (`cli:<user>@<host>`), counts as an operator, and drives the
// upgrade itself when no other drover process holds its lease.
import { Argument, type Command, Option } from 'commander';
import { verbArguments } from '../bot/arguments.js';
import { type CommandRequest, parseWords, VERB_TABLE, type Verb } from '../bot/grammar.js';
import { describeSnapshot } from '../bot/render/text.js';
import type { UpgradeSnapshot } from '../engine/ports.js';
import { TERMINAL_UPGRADE } from '../engine/transitions.js';
import { UsageError } from '../errors.js';
import type { Io } from './io.js';
import { statusJson } from './json.js';
import type { CliCommand } from './program.js';
import { followEvents, reconnecting } from './progress.js';
import type { Runtime } from './runtime.js';

/** The chat verbs the CLI takes as `drover upgrade <verb>` (`plan` is `drover plan`; digests post to chat). */
export const CLI_VERBS: readonly Verb[] = VERB_TABLE.map((spec) => spec.verb).filter(
  (verb) => verb !== 'plan' && verb !== 'digest' && verb !== 'help',
);

export interface UpgradeFlags {
  wait?: boolean;
  json?: boolean;
  config?: string;
  trustNewHosts?: boolean;
}

/**
 * Adds a verb's positionals and flags from the verb table to a command, and returns a reader
 * that turns what commander parsed back into the grammar's words (`start havana env=lab auto`).
 */
export function verbCommand(command: Command, verb: Verb): () => string[] {
  const args = verbArguments(verb);
  for (const arg of args) {
    if (arg.kind === 'positional') {
      const name = `${arg.name}${arg.variadic ? '...' : ''}`;
      const argument = new Argument(arg.required ? `<${name}>` : `[${name}]`, arg.help);
      command.addArgument(arg.choices ? argument.choices(arg.choices) : argument);
    } else if (arg.kind === 'flag') {
      command.option(`--${arg.name}`, arg.help);
    } else {
      const option = new Option(`--${arg.name} <${arg.value}>`, arg.help);
      command.addOption(arg.choices ? option.choices(arg.choices) : option);
    }
  }
  // `status [id]` also takes the id as a flag, like the verbs that name an upgrade with `--id`.
  const idPositional = args.some((arg) => arg.kind === 'positional' && arg.name === 'id');
  if (idPositional) command.option('--id <N>', 'the upgrade id (default: the active one)');
  return () => {
    const words: string[] = [verb];
    const options: Record<string, unknown> = command.opts();
    for (const value of command.processedArgs) {
      if (Array.isArray(value)) words.push(...value.map(String));
      else if (value !== undefined) words.push(String(value));
    }
    for (const arg of args) {
      const value = options[arg.name];
      if (arg.kind === 'flag' && value === true) words.push(arg.name);
      if (arg.kind === 'option' && typeof value === 'string') words.push(`${arg.name}=${value}`);
    }
    if (idPositional && typeof options.id === 'string') words.push(`id=${options.id}`);
    return words;
  };
}

export const command: CliCommand = {
  order: 40,
  define: (program, { io, exit }) => defineUpgrade(program, io, exit),
};

function defineUpgrade(program: Command, io: Io, exit: (code: number) => void): void {
  const upgrade = program
    .command('upgrade')
    .description('the chat verbs from the shell (docs/commands.md)')
    .helpCommand('help [verb]', 'a verb’s arguments and flags');
  for (const verb of CLI_VERBS) {
    const spec = VERB_TABLE.find((entry) => entry.verb === verb);
    const command = upgrade.command(verb).description(spec?.help ?? verb);
    const words = verbCommand(command, verb);
    command
      .option(
        '--wait',
        'stay until the upgrade rests; exit 0 completed, 2 at a gate, 3 completed with failures, 1 failed, paused or aborted',
      )
      .option('--json', 'print the upgrade(s) as JSON (docs/json.md)')
      .option(
        '--trust-new-hosts',
        'accept host keys not yet in known_hosts (never changed ones), append and audit them',
      )
      .option('--config <file>', 'the config file (default $DROVER_CONFIG or drover.yaml)')
      .action(async () => {
        let request: CommandRequest;
        try {
          request = parseWords(words());
        } catch (error) {
          if (error instanceof UsageError) throw new UsageError(`drover upgrade ${error.message}`);
          throw error;
        }
        exit(await runVerb(request, command.opts(), io));
      });
  }
}

async function runVerb(request: CommandRequest, flags: UpgradeFlags, io: Io): Promise<number> {
  const { openRuntime, commandDispatcher, cliActor } = await import('./runtime.js');
  const runtime = await openRuntime(io.env, flags.config, { trustNewHosts: flags.trustNewHosts ?? false });
  try {
    const outcome = await commandDispatcher(runtime).handle(cliActor(), request);
    if (request.verb === 'status') {
      const snapshots = outcome.snapshots ?? [];
      io.out(flags.json ? JSON.stringify(snapshots.map(statusJson), null, 2) : outcome.text);
      return outcome.ok ? 0 : 1;
    }
    let snapshot = outcome.snapshot;
    if (!outcome.ok && request.verb === 'resume') {
      // A running upgrade whose driver died needs no verb: this process drives it on.
      const [current] = await runtime.engine.upgrades.status(
        'id' in request && request.id
          ? { upgradeId: request.id }
          : request.env
            ? { environment: request.env }
            : {},
      );
      if (current?.upgrade.state === 'running') snapshot = current;
    }
    if (!snapshot) {
      io.err(`drover: ${outcome.text}`);
      return 1;
    }
    const finished = await driveHere(runtime, snapshot, flags.wait ?? false, flags.json ?? false, io);
    io.out(flags.json ? JSON.stringify(statusJson(finished), null, 2) : describeSnapshot(finished));
    return flags.wait ? waitExitCode(request.verb, finished) : 0;
  } finally {
    await runtime.close();
  }
}

/** Drives the upgrade here when no other process does, streaming progress when waiting. */
async function driveHere(
  runtime: Runtime,
  snapshot: UpgradeSnapshot,
  wait: boolean,
  json: boolean,
  io: Io,
): Promise<UpgradeSnapshot> {
  const id = snapshot.upgrade.id;
  if (TERMINAL_UPGRADE.includes(snapshot.upgrade.state) && snapshot.upgrade.state !== 'completed')
    return snapshot;
  const holder = await runtime.db.store.leaseHolder(id, new Date());
  if (holder && !wait) {
    io.err(`upgrade #${id} is driven by ${holder}; it will act on this`);
    return snapshot;
  }
  const stopFollowing = json
    ? () => Promise.resolve()
    : await followEvents(runtime, id, (line) => io.err(line));
  try {
    // Driving resumes where the database left it when it answers again.
    return await reconnecting(
      () => runtime.engine.drive(id, 'resting'),
      (line) => io.err(line),
    );
  } finally {
    await stopFollowing();
  }
}

/**
 * `--wait` exit codes: 0 completed (or rolled back, for rollback); 2 at a gate; 3 completed with
 * failures (tolerated by maxFailures, or skipped); 1 otherwise.
 */
export function waitExitCode(verb: string, snapshot: UpgradeSnapshot): number {
  const { state } = snapshot.upgrade;
  if (state === 'completed') return 0;
  if (state === 'completed_with_failures') return 3;
  if (state === 'rolled_back') return verb === 'rollback' ? 0 : 1;
  if (state === 'running' && snapshot.waves[snapshot.upgrade.currentWave]?.state === 'gated') return 2;
  return 1;
}

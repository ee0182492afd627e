// The `/upgrade` application command, built from the grammar's verb table: one subcommand per
// verb, options named as the grammar names them. Registration is idempotent: it writes only
// when the command is missing or differs from what Discord has.
import { REST, Routes } from 'discord.js';
import type { CommandRequest } from '../../bot/grammar.js';
import { VERB_TABLE, type VerbSpec } from '../../bot/grammar.js';

const SUB_COMMAND = 1;
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;

export interface CommandOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: Array<{ name: string; value: string }>;
  min_value?: number;
  options?: CommandOption[];
}

export interface CommandDefinition {
  name: string;
  description: string;
  type: number;
  options: CommandOption[];
}

const choices = (...values: string[]) => values.map((value) => ({ name: value, value }));

/** Each argument of the verb table's `args` → its Discord option. */
const OPTION_FOR: Record<string, Omit<CommandOption, 'required'>> = {
  release: { type: STRING, name: 'release', description: 'the release to upgrade to, e.g. havana' },
  env: {
    type: STRING,
    name: 'env',
    description: 'the environment (default: the only one, or the active one)',
  },
  strategy: {
    type: STRING,
    name: 'strategy',
    description: 'how to cut the fleet into waves',
    choices: choices('rolling', 'waves', 'all-at-once'),
  },
  batch: { type: STRING, name: 'batch', description: 'rolling: nodes per wave, N or N%' },
  auto: { type: BOOLEAN, name: 'auto', description: 'advance after the soak without waiting for step' },
  id: { type: INTEGER, name: 'id', description: 'the upgrade id (default: the active one)', min_value: 1 },
  wave: {
    type: STRING,
    name: 'scope',
    description: 'the current wave, or every upgraded node',
    choices: choices('wave', 'all'),
  },
  node: { type: STRING, name: 'node', description: 'the node' },
  'failure-id': {
    type: INTEGER,
    name: 'failure',
    description: 'the failure id (default: the newest open one)',
    min_value: 1,
  },
  note: { type: STRING, name: 'note', description: 'a note for the record' },
  override: {
    type: STRING,
    name: 'override',
    description: 'pass a freeze window, saying why (audited and announced)',
  },
  'request-id': { type: INTEGER, name: 'request', description: 'the approval request id', min_value: 1 },
  reason: { type: STRING, name: 'reason', description: 'why, for the record' },
  force: { type: BOOLEAN, name: 'force', description: 'break a lock someone else holds (announced)' },
  n: { type: INTEGER, name: 'n', description: 'how many entries (default 20)', min_value: 1 },
  verb: {
    type: STRING,
    name: 'topic',
    description: 'a verb to explain',
    choices: choices(...VERB_TABLE.map((spec) => spec.verb)),
  },
};

function subcommand(spec: VerbSpec): CommandOption {
  const options = [...spec.args.matchAll(/(?<!=")([<[])([a-z][a-z-]*)/g)].map(
    ([, bracket, word]): CommandOption => {
      const option = OPTION_FOR[word!];
      if (!option)
        throw new Error(`the Discord command has no option for "${word}" of /upgrade ${spec.verb}`);
      return bracket === '<' ? { ...option, required: true } : option;
    },
  );
  // Discord lists required options first.
  options.sort((a, b) => Number(Boolean(b.required)) - Number(Boolean(a.required)));
  return { type: SUB_COMMAND, name: spec.verb, description: spec.help.slice(0, 100), options };
}

export function upgradeCommand(): CommandDefinition {
  return {
    name: 'upgrade',
    description: 'fleet upgrades in waves: start, step, pause, roll back, acknowledge failures',
    type: 1,
    options: VERB_TABLE.map(subcommand),
  };
}

/**
 * What a subcommand interaction carries → what the dispatcher takes. Every verb but `ack`
 * becomes the line the grammar parses, so Discord input passes the same checks as Slack's;
 * `ack` keeps its free-text note as typed.
 */
export function requestFromOptions(
  verb: string,
  get: (name: string) => string | number | boolean | null,
): CommandRequest | string {
  if (verb === 'ack') {
    const failure = get('failure');
    const note = get('note');
    const env = get('env');
    return {
      verb: 'ack',
      ...(typeof failure === 'number' ? { failure } : {}),
      ...(typeof note === 'string' && note.trim() ? { note: note.trim().slice(0, 500) } : {}),
      ...(typeof env === 'string' ? { env } : {}),
    };
  }
  const spec = VERB_TABLE.find((entry) => entry.verb === verb);
  if (!spec) return verb;
  const words: string[] = [spec.verb];
  for (const option of subcommand(spec).options ?? []) {
    const value = get(option.name);
    if (value === null || value === false) continue;
    if (option.type === BOOLEAN) words.push(option.name);
    else if (option.required || ['scope', 'topic', 'reason'].includes(option.name))
      words.push(quote(String(value)));
    else words.push(`${option.name}=${quote(String(value))}`);
  }
  return words.join(' ');
}

const quote = (value: string) => (/[\s"']/.test(value) ? `"${value.replace(/"/g, '')}"` : value);

type Comparable = {
  name: string;
  description: string;
  type?: number;
  required?: boolean;
  choices?: unknown;
  min_value?: number;
  options?: Comparable[];
};

function normalize(option: Comparable): unknown {
  return {
    name: option.name,
    description: option.description,
    type: option.type ?? 1,
    required: Boolean(option.required),
    choices:
      (option.choices as Array<{ name: string; value: unknown }> | undefined)?.map((c) => [
        c.name,
        c.value,
      ]) ?? [],
    min_value: option.min_value ?? null,
    options: (option.options ?? []).map(normalize),
  };
}

export function sameCommand(a: Comparable, b: Comparable): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

export interface RegisterOptions {
  rest: REST;
  applicationId: string;
  /** Registers for one guild (instant) instead of globally. */
  guildId?: string | undefined;
}

/** Registers `/upgrade` when it is missing or differs; leaves other commands alone. */
export async function registerCommands(
  options: RegisterOptions,
): Promise<'created' | 'updated' | 'unchanged'> {
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  const wanted = upgradeCommand();
  const existing = ((await options.rest.get(route)) as Comparable[]).find(
    (command) => command.name === wanted.name,
  );
  if (existing && sameCommand(existing, wanted)) return 'unchanged';
  // POST creates or replaces the command of that name, keeping the application's others.
  await options.rest.post(route, { body: wanted });
  return existing ? 'updated' : 'created';
}

/** `drover discord register`: the same, with a REST client made from the bot token. */
export function registerWithToken(options: {
  token: string;
  applicationId: string;
  /** DISCORD_API_URL: the REST base without the version. */
  apiUrl?: string | undefined;
  guildId?: string | undefined;
}): Promise<'created' | 'updated' | 'unchanged'> {
  const rest = new REST({ ...(options.apiUrl ? { api: options.apiUrl } : {}), retries: 1 }).setToken(
    options.token,
  );
  return registerCommands({ rest, applicationId: options.applicationId, guildId: options.guildId });
}

// The `/upgrade` grammar (PRODUCT.md, "Commands"): one verb table that parses chat lines,
// authorizes, prints help, defines Discord's subcommands and generates docs/commands.md.
import { z } from 'zod';
import { UsageError } from '../errors.js';

export type Role = 'operator' | 'developer' | 'anyone';

export interface VerbSpec {
  verb: Verb;
  args: string;
  who: Role;
  help: string;
}

export const VERBS = [
  'start',
  'plan',
  'step',
  'status',
  'pause',
  'resume',
  'rollback',
  'abort',
  'retry',
  'skip',
  'ack',
  'digest',
  'help',
] as const;
export type Verb = (typeof VERBS)[number];

export const VERB_TABLE: readonly VerbSpec[] = [
  {
    verb: 'start',
    args: '<release> [env=E] [strategy=rolling|waves|all-at-once] [batch=N|N%] [auto]',
    who: 'operator',
    help: 'plan and start an upgrade; posts the upgrade message with its plan',
  },
  {
    verb: 'plan',
    args: '<release> [env=E] [strategy=…] [batch=N|N%] [auto]',
    who: 'anyone',
    help: 'dry run: the waves, the order, the version skew, no side effects',
  },
  { verb: 'step', args: '[env=E] [id=N]', who: 'operator', help: 'start the next wave (when gated)' },
  { verb: 'status', args: '[id] [env=E]', who: 'anyone', help: 'progress of the active upgrade(s)' },
  { verb: 'pause', args: '[env=E] [id=N]', who: 'operator', help: 'stop dispatching new nodes' },
  { verb: 'resume', args: '[env=E] [id=N]', who: 'operator', help: 'go on after a pause' },
  {
    verb: 'rollback',
    args: '[wave|all] [env=E] [id=N]',
    who: 'operator',
    help: 'roll back the current wave or every upgraded node, in reverse order',
  },
  {
    verb: 'abort',
    args: '[env=E] [id=N]',
    who: 'operator',
    help: 'stop for good; nodes stay as they are, recorded',
  },
  {
    verb: 'retry',
    args: '<node>|hook [env=E] [id=N]',
    who: 'operator',
    help: 're-run a failed node from its failed phase; `retry hook` re-runs the failed hook',
  },
  {
    verb: 'skip',
    args: '<node>|hook [env=E] [id=N]',
    who: 'operator',
    help: 'leave a failed or pending node out of the upgrade; `skip hook` goes on without the failed hook',
  },
  {
    verb: 'ack',
    args: '[failure-id] [note…]',
    who: 'developer',
    help: 'acknowledge a failure (also: the button, or a thread reply `ack`)',
  },
  {
    verb: 'digest',
    args: '[env=E]',
    who: 'anyone',
    help: 'post the environment’s digest now, to its channels',
  },
  { verb: 'help', args: '[verb]', who: 'anyone', help: 'the command reference' },
];

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name of letters, digits, . _ -');
const options = z
  .object({
    env: name.optional(),
    strategy: z.enum(['rolling', 'waves', 'all-at-once']).optional(),
    batch: z
      .string()
      .regex(/^\d+%?$/, 'N or N%')
      .optional(),
    id: z.coerce.number().int().positive().optional(),
    scope: z.enum(['wave', 'all']).optional(),
    auto: z.boolean().optional(),
  })
  .strict();

export type CommandRequest =
  | {
      verb: 'start' | 'plan';
      release: string;
      env?: string;
      strategy?: 'rolling' | 'waves' | 'all-at-once';
      batch?: string;
      auto?: boolean;
      /** Deploy exactly this commit (the deploy webhook's pin); the grammar has no word for it. */
      commit?: string;
      /** A deploy: it supersedes a deploy still running in the environment (no word for it either). */
      supersede?: boolean;
      /** With `commit`: deploy it even when older than what the environment runs (the webhook's `allowDowngrade`). */
      allowDowngrade?: boolean;
    }
  | { verb: 'step' | 'pause' | 'resume' | 'abort' | 'digest'; env?: string; id?: number }
  | { verb: 'status'; env?: string; id?: number }
  | { verb: 'rollback'; scope: 'wave' | 'all'; env?: string; id?: number }
  | { verb: 'retry' | 'skip'; node: string; env?: string; id?: number }
  /** A failure post's button: every node of the failure (not typed: the text grammar names a node). */
  | { verb: 'retry' | 'skip'; failure: number; id: number }
  | { verb: 'ack'; failure?: number; note?: string; env?: string }
  | { verb: 'help'; topic?: string };

export function usageOf(verb: Verb | undefined): string {
  const spec = VERB_TABLE.find((entry) => entry.verb === verb);
  if (!spec) return `usage: /upgrade <${VERBS.join('|')}> … — try /upgrade help`;
  return `usage: /upgrade ${spec.verb} ${spec.args}`;
}

/** Splits a line into words; "double" or 'single' quotes keep spaces in a word. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

export function parseCommand(text: string): CommandRequest {
  return parseWords(
    tokenize(
      text
        .trim()
        .replace(/^\/?upgrade\b/, '')
        .trim(),
    ),
  );
}

/** The words of a command (the verb first) → the request: what chat lines and CLI arguments become. */
export function parseWords(words: readonly string[]): CommandRequest {
  const [first, ...rest] = words;
  if (first === undefined) throw new UsageError(usageOf(undefined));
  const verb = first.toLowerCase() as Verb;
  if (!(VERBS as readonly string[]).includes(verb))
    throw new UsageError(`unknown verb "${first}". ${usageOf(undefined)}`);
  if (verb === 'ack') return parseAck(rest);
  if (verb === 'help') return rest[0] ? { verb, topic: rest[0] } : { verb };

  const positional: string[] = [];
  // A map, so that `__proto__=…` or `constructor=…` is an unknown option like any other.
  const raw = new Map<string, unknown>();
  for (const word of rest) {
    const eq = word.indexOf('=');
    if (eq > 0) raw.set(word.slice(0, eq), word.slice(eq + 1));
    else if (word === 'auto') raw.set('auto', true);
    else positional.push(word);
  }
  const parsed = options.safeParse(Object.fromEntries(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new UsageError(
      `${issue.code === 'unrecognized_keys' ? `unknown option ${key}` : `${key}: ${issue.message}`}. ${usageOf(verb)}`,
    );
  }
  const opts = parsed.data;
  const common = { ...(opts.env ? { env: opts.env } : {}), ...(opts.id ? { id: opts.id } : {}) };
  const allowed = (keys: string[]) => {
    const extra = Object.keys(opts).filter((key) => !keys.includes(key));
    if (extra.length > 0) throw new UsageError(`${verb} takes no ${extra.join(', ')}. ${usageOf(verb)}`);
  };
  const positionals = (max: number) => {
    if (positional.length > max) throw new UsageError(`unexpected "${positional[max]}". ${usageOf(verb)}`);
  };
  switch (verb) {
    case 'start':
    case 'plan': {
      allowed(['env', 'strategy', 'batch', 'auto']);
      positionals(1);
      const release = name.safeParse(positional[0]);
      if (!release.success) throw new UsageError(`say which release. ${usageOf(verb)}`);
      return {
        verb,
        release: release.data,
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.strategy ? { strategy: opts.strategy } : {}),
        ...(opts.batch ? { batch: opts.batch } : {}),
        ...(opts.auto ? { auto: true } : {}),
      };
    }
    case 'status': {
      allowed(['env', 'id']);
      positionals(1);
      const id =
        positional[0] === undefined
          ? undefined
          : z.coerce.number().int().positive().safeParse(positional[0].replace(/^#/, ''));
      if (id && !id.success) throw new UsageError(`the upgrade id is a number. ${usageOf(verb)}`);
      return { verb, ...common, ...(id?.success ? { id: id.data } : {}) };
    }
    case 'rollback': {
      allowed(['env', 'id', 'scope']);
      positionals(1);
      const scope = z.enum(['wave', 'all']).safeParse(positional[0] ?? opts.scope ?? 'wave');
      if (!scope.success) throw new UsageError(`roll back a wave or all. ${usageOf(verb)}`);
      return { verb, scope: scope.data, ...common };
    }
    case 'retry':
    case 'skip': {
      allowed(['env', 'id']);
      positionals(1);
      const node = name.safeParse(positional[0]);
      if (!node.success) throw new UsageError(`say which node. ${usageOf(verb)}`);
      return { verb, node: node.data, ...common };
    }
    default:
      allowed(verb === 'digest' ? ['env'] : ['env', 'id']);
      positionals(0);
      return { verb, ...common } as CommandRequest;
  }
}

function parseAck(rest: string[]): CommandRequest {
  const [first, ...more] = rest;
  const id =
    first !== undefined && /^#?\d+$/.test(first) ? Number.parseInt(first.replace('#', ''), 10) : undefined;
  const words = id === undefined ? rest : more;
  const env = words.find((word) => word.startsWith('env='))?.slice(4);
  const note = words
    .filter((word) => !word.startsWith('env='))
    .join(' ')
    .trim();
  return {
    verb: 'ack',
    ...(id === undefined ? {} : { failure: id }),
    ...(note ? { note: note.slice(0, 500) } : {}),
    ...(env ? { env } : {}),
  };
}

export function helpText(topic?: string): string {
  const specs = topic ? VERB_TABLE.filter((spec) => spec.verb === topic) : VERB_TABLE;
  if (specs.length === 0) return `no verb "${topic}". ${usageOf(undefined)}`;
  return specs
    .map(
      (spec) =>
        `/upgrade ${spec.verb} ${spec.args}\n    ${spec.help} (${spec.who === 'anyone' ? 'anyone' : `${spec.who}s`})`,
    )
    .join('\n');
}

export function renderCommandReference(): string {
  return [
    '# Command reference',
    '',
    'Generated from the grammar by `npm run docs`; a test fails when this file differs from it.',
    'Slack: `/upgrade <verb> …`. Discord: `/upgrade <verb>` with the options below. The console takes the',
    'same lines; the CLI takes them as `drover upgrade <verb> …` with options as flags (`--env E`).',
    'Malformed input gets a usage line and changes nothing.',
    '',
    '| command | who | what |',
    '| --- | --- | --- |',
    ...VERB_TABLE.map(
      (spec) =>
        `| \`${spec.verb} ${spec.args}\` | ${spec.who === 'anyone' ? 'anyone' : `${spec.who}s`} | ${spec.help} |`,
    ),
    '',
    'Operators may run every verb; developers may also `ack`; everyone may `plan`, `status`, `digest` and `help`.',
    '',
  ].join('\n');
}

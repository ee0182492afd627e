// The `/upgrade` grammar (PRODUCT.md, "Commands"): one verb table that parses chat lines,
// authorizes, prints help, defines Discord's subcommands and generates docs/commands.md.
import { z } from 'zod';
import { UsageError } from '../errors.js';

import { OVERRIDABLE, VERB_TABLE, VERBS, type Verb } from './verb-table.js';

export { OVERRIDABLE, type Role, VERB_TABLE, VERBS, type Verb, type VerbSpec } from './verb-table.js';

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
    force: z.boolean().optional(),
    n: z.coerce.number().int().min(1).max(200).optional(),
    override: z.string().trim().min(1, 'say why: override="<reason>"').max(500).optional(),
  })
  .strict();

/** `override="<reason>"`: passes a freeze window, audited and announced. */
interface Override {
  override?: string;
}

interface Planned {
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

export type CommandRequest =
  | ({ verb: 'start' } & Planned & Override)
  | ({ verb: 'plan' } & Planned)
  | ({ verb: 'step' | 'pause' | 'resume' | 'abort'; env?: string; id?: number } & Override)
  | { verb: 'digest'; env?: string; id?: number }
  | { verb: 'status'; env?: string; id?: number }
  | ({ verb: 'rollback'; scope: 'wave' | 'all'; env?: string; id?: number } & Override)
  | ({ verb: 'retry' | 'skip'; node: string; env?: string; id?: number } & Override)
  /** A failure post's button: every node of the failure (not typed: the text grammar names a node). */
  | ({ verb: 'retry' | 'skip'; failure: number; id: number } & Override)
  | { verb: 'ack'; failure?: number; note?: string; env?: string }
  | { verb: 'approve'; request: number }
  | { verb: 'reject'; request: number; reason?: string }
  | { verb: 'lock'; env?: string; reason: string }
  | { verb: 'unlock'; env?: string; force?: boolean }
  | { verb: 'audit'; env?: string; n?: number }
  | { verb: 'help'; topic?: string };

export function usageOf(verb: Verb | undefined): string {
  const spec = VERB_TABLE.find((entry) => entry.verb === verb);
  if (!spec) return `usage: /upgrade <${VERBS.join('|')}> … — try /upgrade help`;
  return `usage: /upgrade ${spec.verb} ${spec.args}`;
}

/**
 * Splits a line into words; "double" or 'single' quotes keep spaces in a word, also as an
 * option's value (`override="change 4711"` is one word, `override=change 4711`).
 */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  const pattern = /([^\s"'=]+=)?(?:"([^"]*)"|'([^']*)')|(\S+)/g;
  for (const match of line.matchAll(pattern))
    words.push(match[4] ?? `${match[1] ?? ''}${match[2] ?? match[3] ?? ''}`);
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
    else if (word === 'auto' && verb !== 'lock' && verb !== 'reject') raw.set('auto', true);
    else if (word === 'force' && verb === 'unlock') raw.set('force', true);
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
  const common = {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.id ? { id: opts.id } : {}),
    ...(opts.override ? { override: opts.override } : {}),
  };
  const allowed = (keys: string[]) => {
    if (OVERRIDABLE.has(verb)) keys.push('override');
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
        ...(verb === 'start' && opts.override ? { override: opts.override } : {}),
      };
    }
    case 'approve':
    case 'reject': {
      allowed([]);
      if (verb === 'approve') positionals(1);
      const id = z.coerce
        .number()
        .int()
        .positive()
        .safeParse((positional[0] ?? '').replace(/^#/, ''));
      if (!positional[0] || !id.success)
        throw new UsageError(`say which request, by its number. ${usageOf(verb)}`);
      const reason = positional.slice(1).join(' ').trim().slice(0, 500);
      return verb === 'approve'
        ? { verb, request: id.data }
        : { verb, request: id.data, ...(reason ? { reason } : {}) };
    }
    case 'lock': {
      allowed(['env']);
      const reason = positional.join(' ').trim().slice(0, 500);
      if (!reason) throw new UsageError(`say why, so others know: ${usageOf(verb)}`);
      return { verb, reason, ...(opts.env ? { env: opts.env } : {}) };
    }
    case 'unlock':
      allowed(['env', 'force']);
      positionals(0);
      return { verb, ...(opts.env ? { env: opts.env } : {}), ...(opts.force ? { force: true } : {}) };
    case 'audit':
      allowed(['env', 'n']);
      positionals(0);
      return { verb, ...(opts.env ? { env: opts.env } : {}), ...(opts.n ? { n: opts.n } : {}) };
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
    'Operators may run every verb; developers may also `ack` and read the `audit`; everyone may `plan`, `status`,',
    '`digest` and `help`. An environment’s own `operators:` / `developers:` replace the top-level lists there.',
    'Mutating verbs take `override="<reason>"` to pass a freeze window (audited, announced in the channel).',
    '',
  ].join('\n');
}

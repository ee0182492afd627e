// Generated command lines for the fuzz suites: malformed ones (each must get a usage line and
// change nothing) and read-only ones, from one seeded generator; and Discord's slash-command
// shapes (a subcommand and its options).
import fc from 'fast-check';
import { VERBS as ALL_VERBS } from '../../src/bot/verb-table.js';

export const FUZZ_SEED = 18_2026;

const VERBS = [
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
];
const PROTO = ['constructor', '__proto__', 'valueOf', 'hasOwnProperty', 'toString', 'prototype'];
const CONTROL = [
  '\u0000',
  '\r',
  '\u001b[2K',
  '\u0007',
  '\u0008',
  '\u007f',
  '\u0085',
  '\u000b',
  '\u000c',
  '\ud800',
];

const word = fc.oneof(
  fc.constantFrom(
    ...PROTO,
    'havana',
    'lab',
    'ctl-1',
    'cmp-1',
    'wave',
    'all',
    'auto',
    '#1',
    '"quoted word"',
    "'x y'",
  ),
  fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/[\n\s]/g, 'x') || 'x'),
  fc.constantFrom(
    '$(id)',
    '`id`',
    '; rm -rf /',
    '<!channel>',
    '```',
    '%00',
    '../../etc/passwd',
    'x'.repeat(300),
  ),
);
const option = fc
  .tuple(
    fc.constantFrom('env', 'id', 'strategy', 'batch', 'scope', '__proto__', 'constructor', 'bogus'),
    word,
  )
  .map(([key, value]) => `${key}=${value}`);
const rest = fc.array(fc.oneof(word, option), { maxLength: 5 }).map((words) => words.join(' '));

/** Lines that are malformed for sure: a usage line is the only right answer. */
export const malformedLine = fc.oneof(
  // A control character anywhere in an otherwise plausible line.
  fc
    .tuple(fc.constantFrom(...VERBS), rest, fc.constantFrom(...CONTROL), fc.nat(40))
    .map(([verb, tail, control, at]) => {
      const line = `${verb} ${tail}`;
      const i = Math.min(at, line.length);
      return `${line.slice(0, i)}${control}${line.slice(i)}`;
    }),
  // A verb that does not exist.
  fc
    .tuple(fc.oneof(fc.constantFrom(...PROTO, 'frobnicate', 'START!', 'rm'), word), rest)
    .filter(
      ([verb]) =>
        !VERBS.includes(verb.toLowerCase()) &&
        verb !== 'help' &&
        !verb.startsWith('#') &&
        !/^["']/.test(verb),
    )
    .map(([verb, tail]) => `${verb} ${tail}`),
  // An option no verb takes.
  fc
    .tuple(fc.constantFrom('start havana', 'plan havana', 'step', 'status', 'pause', 'digest'), word)
    .map(([head, value]) => `${head} bogus=${value}`),
  // A release or node missing, or a name that is not one.
  fc.constantFrom(
    'start',
    'plan',
    'retry',
    'skip',
    'start env=lab',
    'plan __proto__',
    'retry ../x',
    'rollback sideways',
    'status #x',
  ),
  // Far too long.
  fc.nat(3).map((n) => `status ${'x'.repeat(4001 + n)}`),
);

/** Lines that read but never change anything. */
export const readOnlyLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('status', 'plan havana', 'plan havana env=lab', 'help', 'plan havana strategy=waves'),
      fc.constantFrom('', ' ', ' env=constructor', ' env=lab'),
    )
    .map(([head, tail]) => `${head}${tail}`),
  fc.constantFrom(...PROTO).map((name) => `plan ${name} env=${name}`),
);

/** Any line: malformed, read-only, or a mutating verb (which a non-operator must be refused). */
export const anyLine = fc.oneof(
  malformedLine,
  readOnlyLine,
  fc.tuple(fc.constantFrom(...VERBS), rest).map(([verb, tail]) => `${verb} ${tail}`.trim()),
);

/** A Discord `/upgrade` subcommand: every verb of the grammar, and names that are none. */
export const discordSubcommand = fc.constantFrom(...ALL_VERBS, 'bogus', '__proto__', 'constructor');

/** An option value of any type Discord sends, hostile strings included. */
export const discordValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(
    'constructor',
    '__proto__',
    'valueOf',
    'x\u0000y',
    'a\rb',
    '<!channel>',
    '```',
    'havana',
    'lab',
  ),
);

/** A subcommand's options: known names and prototype names, up to five. */
export const discordOptions = <T>(value: fc.Arbitrary<T>) =>
  fc.dictionary(
    fc.constantFrom(
      'release',
      'env',
      'strategy',
      'batch',
      'auto',
      'node',
      'failure',
      'note',
      'scope',
      'id',
      'topic',
      'reason',
      'n',
      '__proto__',
    ),
    value,
    { maxKeys: 5 },
  );

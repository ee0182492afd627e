// The arguments of each verb, read from the verb table's `args`, with one help text each: what
// the CLI turns into positionals and flags (`drover upgrade start <release> --env E`), so the
// grammar stays the one place a verb's words are written down.
import { VERB_TABLE, type Verb } from './grammar.js';

export interface VerbArgument {
  /** The grammar's name: the CLI's flag (`--env`) or positional (`<release>`). */
  name: string;
  kind: 'positional' | 'option' | 'flag';
  required: boolean;
  /** A positional taking every remaining word (`note…`). */
  variadic: boolean;
  /** What the value looks like (`E`, `N|N%`); empty for a flag. */
  value: string;
  /** The values it takes, when it is one of a few. */
  choices: readonly string[] | undefined;
  help: string;
}

const STRATEGIES = ['rolling', 'waves', 'all-at-once'] as const;

const HELP: Readonly<Record<string, string>> = {
  release: 'the release to upgrade to, e.g. havana',
  env: 'the environment (default: the only one, or the one with an active upgrade)',
  strategy: 'how to cut the fleet into waves',
  batch: 'rolling: nodes per wave, N or N%',
  auto: 'advance after the soak without waiting for step',
  id: 'the upgrade id (default: the active one)',
  scope: 'the current wave, or every upgraded node',
  node: 'the node',
  'failure-id': 'the failure id (default: the newest open one)',
  note: 'a note for the record',
  verb: 'a verb to explain',
};

/** `<release> [env=E] [auto] [wave|all] [note…]` → the verb's arguments, in order. */
export function verbArguments(verb: Verb): VerbArgument[] {
  const spec = VERB_TABLE.find((entry) => entry.verb === verb);
  if (!spec) return [];
  return [...spec.args.matchAll(/([<[])([^\]>]+)[\]>]/g)].map(([, bracket, inner = '']) => {
    const required = bracket === '<';
    const base = { required, variadic: false, value: '', choices: undefined };
    if (inner.includes('|') && !inner.includes('=')) {
      // `[wave|all]`: the rollback scope, named as Discord names it.
      return {
        ...base,
        name: 'scope',
        kind: 'positional',
        choices: inner.split('|'),
        help: HELP.scope ?? '',
      };
    }
    const eq = inner.indexOf('=');
    if (eq > 0) {
      const name = inner.slice(0, eq);
      const value = name === 'strategy' ? STRATEGIES.join('|') : inner.slice(eq + 1);
      const choices = name === 'strategy' ? STRATEGIES : undefined;
      return { ...base, name, kind: 'option', value, choices, help: HELP[name] ?? name };
    }
    if (inner === 'auto') return { ...base, name: inner, kind: 'flag', help: HELP.auto ?? inner };
    const variadic = inner.endsWith('…');
    const name = inner.replace(/…$/, '');
    return { ...base, name, kind: 'positional', variadic, help: HELP[name] ?? name };
  });
}

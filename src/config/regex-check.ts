// Checks of the config's `redact:` patterns, which run over every phase's output: a
// pattern must compile, and must not nest quantifiers (`(a+)+`, `(\w*)*`, `(a|aa)+` style
// groups repeated again), the shape behind catastrophic backtracking. A pattern that slips
// through is still time-boxed where it runs (src/adapters/ssh/redact.ts).

/** What is wrong with a pattern, or undefined. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'g');
  } catch (error) {
    return `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  const nested = nestedQuantifier(pattern);
  if (nested !== undefined)
    return `a repeated group holds a repetition or an alternation itself (at character ${nested + 1}): such a pattern can take exponential time on some output; rewrite it without nesting (e.g. (a+)+ → a+)`;
  return undefined;
}

interface Group {
  start: number;
  /** Holds a quantified element or an alternation, directly or in a nested group. */
  risky: boolean;
}

/** The index of a quantifier applied to a group that already repeats inside, or undefined. */
export function nestedQuantifier(pattern: string): number | undefined {
  const stack: Group[] = [{ start: -1, risky: false }];
  let lastGroupRisky = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '\\') {
      i += 1;
      lastGroupRisky = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (c === '[') {
      inClass = true;
      lastGroupRisky = false;
    } else if (c === '(') {
      stack.push({ start: i, risky: false });
      lastGroupRisky = false;
    } else if (c === ')') {
      const closed = stack.length > 1 ? stack.pop()! : top;
      lastGroupRisky = closed.risky;
      // A risky group makes its parent risky only once it is repeated (handled below);
      // an inner repetition is reason enough already.
      const parent = stack[stack.length - 1]!;
      if (closed.risky) parent.risky = parent.risky || closed.risky;
    } else if (c === '|') {
      top.risky = true;
      lastGroupRisky = false;
    } else if (isQuantifierAt(pattern, i)) {
      if (lastGroupRisky && unbounded(pattern, i)) return i;
      top.risky = top.risky || unbounded(pattern, i);
      lastGroupRisky = false;
      if (c === '{') i = pattern.indexOf('}', i);
    } else lastGroupRisky = false;
  }
  return undefined;
}

function isQuantifierAt(pattern: string, i: number): boolean {
  const c = pattern[i];
  if (c === '*' || c === '+') return true;
  if (c === '?') return false;
  return c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i));
}

/** `*`, `+`, `{n,}` and `{n,m}` with m above 10 repeat enough to blow up when nested. */
function unbounded(pattern: string, i: number): boolean {
  const c = pattern[i];
  if (c === '*' || c === '+') return true;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
  if (!match) return false;
  if (match[2] === undefined) return false;
  return match[3] === '' || Number(match[3]) > 10;
}

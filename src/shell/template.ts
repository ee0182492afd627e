// Command templates from the config, rendered with every value as one shell-quoted word —
// also inside a longer word (`/srv/{{node}}/bin` → `/srv/'n1'/bin`). Nothing a value holds
// (`;`, `$(…)`, backticks, quotes, newlines) can run.

export const TEMPLATE_VALUES = [
  'node',
  'host',
  'service',
  'release',
  'from',
  'ref',
  'commit',
  'fromCommit',
] as const;

/** POSIX single-quoting: the value is one word whatever it contains. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `{{name}}`, spaces inside the braces allowed; any text between braces is a placeholder. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (typeof value === 'string') return shellQuote(value);
    if ((TEMPLATE_VALUES as readonly string[]).includes(name))
      throw new Error(`template value {{${name}}} has no value here`);
    throw new Error(`unknown template value {{${name}}} (known: ${TEMPLATE_VALUES.join(', ')})`);
  });
}

/** The placeholders a template uses that are not template values. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((m) => m[1]!)
    .filter((name) => !(TEMPLATE_VALUES as readonly string[]).includes(name));
}

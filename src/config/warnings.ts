// What `drover validate` warns about without refusing the file: a `{{placeholder}}` inside
// quotes in a command template. drover renders every value as one single-quoted word; inside
// '…' or "…" of the template that word's quotes end and reopen the template's, so the value is
// no longer one word and what it holds can run (`echo "{{node}}"` with a node named `$(id)`).
import type { PathKey } from './path.js';
import { type Config, PHASES } from './schema.js';

export interface ConfigWarning {
  path: PathKey[];
  message: string;
}

/** The placeholders of a template that sit inside quotes, with the quote they sit in. */
export function quotedPlaceholders(template: string): Array<{ name: string; quote: '"' | "'" }> {
  const found: Array<{ name: string; quote: '"' | "'" }> = [];
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < template.length; i += 1) {
    const c = template[i];
    if (quote !== "'" && c === '\\') {
      i += 1;
      continue;
    }
    if (quote === undefined && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = undefined;
    else if (c === '{' && template[i + 1] === '{') {
      const end = template.indexOf('}}', i);
      if (end < 0) break;
      if (quote) found.push({ name: template.slice(i + 2, end).trim(), quote });
      i = end + 1;
    }
  }
  return found;
}

export function configWarnings(config: Config): ConfigWarning[] {
  return PHASES.flatMap((phase) =>
    quotedPlaceholders(config.phases[phase] ?? '').map(({ name, quote }) => ({
      path: ['phases', phase],
      message: `{{${name}}} sits inside ${quote}…${quote}: a value is already one quoted word, and inside quotes it is not; remove the quotes around it`,
    })),
  );
}

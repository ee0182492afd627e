// Redaction before any output leaves the SSH adapter: the values of drover's own secret
// environment variables, the secret shapes of secret-rules.ts, and the config's `redact:`
// patterns. The config's patterns are checked for nested quantifiers when the config is
// loaded (src/config/regex-check.ts) and run here in a V8 context with a time limit: a pattern
// that still backtracks for long withholds the output (fails closed) instead of blocking the
// process.
import { createContext, runInContext } from 'node:vm';
import { REDACTED, SECRET_RULES } from './secret-rules.js';

/** drover's own secrets: their values never appear in output, whatever their shape. */
export const SECRET_ENV = [
  'DROVER_WEBHOOK_SECRET',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'DISCORD_TOKEN',
  'DROVER_SSH_PASSPHRASE',
  'DATABASE_URL',
] as const;

/** How long the config's patterns may take over one output. */
const USER_PATTERNS_MS = 250;
export const WITHHELD = '[output withheld: a redact: pattern of the config took too long over it]';

/** The secret values of an environment: each variable's value, DATABASE_URL's password. */
export function ownSecrets(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (!value) continue;
    if (name === 'DATABASE_URL') {
      const password = passwordOf(value);
      if (password) values.push(password, encodeURIComponent(password));
    } else values.push(value);
  }
  // Longest first, so that a secret holding another is replaced whole.
  return [...new Set(values.filter((value) => value.length >= 4))].sort((a, b) => b.length - a.length);
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    // Not a URL (a socket path): it holds no password to hide.
    return undefined;
  }
}

export function createRedactor(
  patterns: string[],
  secrets: string[] = ownSecrets(process.env),
): (text: string) => string {
  const extra = patterns.length > 0 ? userPatterns(patterns) : undefined;
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    for (const rule of SECRET_RULES) {
      const { replace } = rule;
      out = replace
        ? out.replace(rule.pattern, (match, ...groups) => replace(match, ...groups.filter(isString)))
        : out.replace(rule.pattern, REDACTED);
    }
    return extra ? extra(out) : out;
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The config's patterns, compiled once in their own context and run there with a time limit. */
function userPatterns(patterns: string[]): (text: string) => string {
  const context = createContext({ patterns, marker: REDACTED, input: '' });
  runInContext(
    `const compiled = patterns.map((p) => new RegExp(p, 'g'));
     function redact(text) { let out = text; for (const r of compiled) out = out.replace(r, marker); return out; }`,
    context,
  );
  return (text) => {
    context.input = text;
    try {
      const out: unknown = runInContext('redact(input)', context, { timeout: USER_PATTERNS_MS });
      return typeof out === 'string' ? out : WITHHELD;
    } catch {
      // ERR_SCRIPT_EXECUTION_TIMEOUT: the pattern backtracked for too long. Withheld, not shown.
      return WITHHELD;
    } finally {
      context.input = '';
    }
  };
}

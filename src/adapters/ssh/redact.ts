// Redaction before any output leaves the SSH adapter: the values of drover's own secret
// environment variables, the secret shapes of secret-rules.ts, and the config's `redact:`
// patterns. The config's patterns are checked for nested quantifiers when the config is
// loaded and run here line by line, at most MAX_LINE characters at a time, so that even a
// pattern that slipped through stays bounded.
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

const MAX_LINE = 4096;

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
  const extra = patterns.map((pattern) => new RegExp(pattern, 'g'));
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    for (const rule of SECRET_RULES) {
      const { replace } = rule;
      out = replace
        ? out.replace(rule.pattern, (match, ...groups) => replace(match, ...groups.filter(isString)))
        : out.replace(rule.pattern, REDACTED);
    }
    if (extra.length > 0)
      out = out
        .split('\n')
        .map((line) => userRedact(line, extra))
        .join('\n');
    return out;
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';

function userRedact(line: string, patterns: RegExp[]): string {
  let out = '';
  for (let start = 0; start < line.length || start === 0; start += MAX_LINE) {
    let piece = line.slice(start, start + MAX_LINE);
    for (const regex of patterns) piece = piece.replace(regex, REDACTED);
    out += piece;
    if (line.length === 0) break;
  }
  return out;
}

// Redaction before any output leaves the SSH adapter: the config's patterns plus defaults
// for tokens, passwords and private keys.
const DEFAULTS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\bxox[abposr]-[A-Za-z0-9-]{8,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\s*[=:]\s*("[^"]*"|'[^']*'|\S+)/gi,
];

export function createRedactor(patterns: string[]): (text: string) => string {
  const extra = patterns.map((pattern) => new RegExp(pattern, 'g'));
  return (text) => {
    let out = text;
    for (const regex of DEFAULTS) {
      out = out.replace(regex, (_match, key: string | undefined) =>
        key && /^(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)$/i.test(key)
          ? `${key}=[redacted]`
          : '[redacted]',
      );
    }
    for (const regex of extra) out = out.replace(regex, '[redacted]');
    return out;
  };
}

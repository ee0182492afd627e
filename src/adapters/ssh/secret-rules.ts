// The shapes of secrets that node output must never carry into chat, the database or
// `--json`: generic ones (key=value, JSON, URL credentials, HTTP authorization) and the
// token formats of well-known services, after the rule sets of secret scanners (gitleaks,
// trufflehog, GitHub secret scanning). Each rule names what it finds; `keep` is the part
// of the match that stays (a key name, a URL's user), the rest becomes [redacted].
export interface SecretRule {
  name: string;
  pattern: RegExp;
  /** The match with its secret part replaced; default: the whole match is the secret. */
  replace?: (match: string, ...groups: string[]) => string;
}

export const REDACTED = '[redacted]';

/** Words that make a key's value a secret: `DB_PASSWORD`, `client_secret`, `SECRET_KEY_BASE`. */
const SECRET_WORD =
  '(?:passw(?:or)?d|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|client[_-]?key|credentials?|authorization|auth[_-]?token|session[_-]?(?:id|key|token)|cookie|dsn|key[_-]?base|salt|passphrase)';
// Bounded on both sides: an unbounded run before the word backtracks quadratically on `a.a.a.…`.
const KEY = `[A-Za-z0-9_.-]{0,40}${SECRET_WORD}[A-Za-z0-9_.-]{0,40}`;
const keepKey = (_match: string, key: string, sep: string) => `${key}${sep}${REDACTED}`;

export const SECRET_RULES: SecretRule[] = [
  // Blocks first: a key block holds base64 lines the shorter rules would only half take.
  {
    name: 'private key block',
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  {
    // The start of a block was cut off before the tail: everything up to its end line.
    name: 'private key block, its start cut off',
    pattern: /^(?:(?!-----BEGIN)[\s\S])*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  { name: 'PuTTY private key', pattern: /PuTTY-User-Key-File-\d:[\s\S]*?(?:Private-MAC: *\S+|$)/g },
  { name: 'age secret key', pattern: /AGE-SECRET-KEY-1[0-9A-Z]{58}/g },
  // Service token formats.
  {
    name: 'AWS access key id',
    pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[0-9A-Z]{16}\b/g,
  },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{20,255}/g },
  { name: 'GitHub fine-grained PAT', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,255}/g },
  { name: 'GitLab token', pattern: /\bgl(?:pat|ptt|dt|rt|soat|cbt|ft|imt|agent)-[A-Za-z0-9_-]{20,}/g },
  { name: 'Slack token', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  { name: 'Slack app token', pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/g },
  {
    name: 'Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g,
  },
  {
    name: 'Discord webhook URL',
    pattern: /https:\/\/(?:canary\.|ptb\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+/g,
  },
  {
    name: 'Discord bot token',
    pattern: /\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,40}\b/g,
  },
  { name: 'JSON web token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'Google OAuth client secret', pattern: /\bGOCSPX-[A-Za-z0-9_-]{28}\b/g },
  { name: 'Stripe key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g },
  { name: 'Stripe webhook secret', pattern: /\bwhsec_[A-Za-z0-9]{24,}\b/g },
  { name: 'Twilio API key', pattern: /\bSK[0-9a-fA-F]{32}\b/g },
  { name: 'SendGrid API key', pattern: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}\b/g },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'PyPI token', pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}/g },
  { name: 'Anthropic or OpenAI key', pattern: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g },
  { name: 'DigitalOcean token', pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/g },
  { name: 'Shopify token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { name: 'Mailgun key', pattern: /\bkey-[0-9a-zA-Z]{32}\b/g },
  { name: 'HashiCorp Vault token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g },
  { name: 'Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { name: 'Postman API key', pattern: /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g },
  { name: 'Grafana token', pattern: /\b(?:glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})/g },
  { name: 'New Relic key', pattern: /\bNR(?:AK|II|JS)-[A-Za-z0-9]{27,}\b/g },
  { name: 'Databricks token', pattern: /\bdapi[a-f0-9]{32}\b/g },
  { name: 'Linear API key', pattern: /\blin_api_[A-Za-z0-9]{40}\b/g },
  { name: 'Doppler token', pattern: /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/g },
  { name: 'Telegram bot token', pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g },
  { name: 'Atlassian API token', pattern: /\bATATT3[A-Za-z0-9_=-]{50,}/g },
  // Generic shapes.
  {
    name: 'URL credentials',
    pattern: /\b([a-z][a-z0-9+.-]{0,30}:\/\/)([^\s:/@]{0,200}):([^\s/@]{1,500})@/gi,
    replace: (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`,
  },
  {
    name: 'URL token as user',
    pattern: /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[A-Za-z0-9_-]{20,200}@/gi,
    replace: (_m, scheme: string) => `${scheme}${REDACTED}@`,
  },
  {
    name: 'HTTP authorization',
    pattern: /\b(Bearer|Basic|Token|Digest)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`,
  },
  {
    name: 'JSON secret field',
    pattern: new RegExp(`("${KEY}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'),
    replace: (_m, key: string) => `${key}"${REDACTED}"`,
  },
  {
    name: 'command-line secret flag',
    pattern: new RegExp(`(--${KEY})(\\s+)(?!-)("[^"]*"|'[^']*'|\\S+)`, 'gi'),
    replace: keepKey,
  },
  {
    name: 'key = value secret',
    pattern: new RegExp(`\\b(${KEY})(\\s*[=:]\\s*)(?!\\[redacted\\])("[^"]*"|'[^']*'|\\S+)`, 'gi'),
    replace: keepKey,
  },
  {
    name: 'netrc password',
    pattern: /\b(login\s+\S+\s+password)(\s+)\S+/g,
    replace: keepKey,
  },
  {
    name: 'MySQL password flag',
    pattern: /(\bmysql(?:dump|admin)?\b[^\n]*?\s-p)(?!\s)(\S+)/g,
    replace: (_m, before: string) => `${before}${REDACTED}`,
  },
];

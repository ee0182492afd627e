// Secrets as nodes print them, one per shape drover redacts: the 25 of the adversarial
// review plus shapes from secret scanners' rule sets (gitleaks, trufflehog, GitHub secret
// scanning). Every value is made up; `secret` is the part that must never be seen again.
const r = (seed: string, length: number, alphabet = 'A1b2C3d4E5f6G7h8J9k0LmNpQrStUvWxYz') =>
  Array.from(
    { length },
    (_, i) => alphabet[(seed.charCodeAt(i % seed.length) * 7 + i * 13) % alphabet.length],
  ).join('');
const hex = (seed: string, length: number) => r(seed, length, '0123456789abcdef');
const upper = (seed: string, length: number) => r(seed, length, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');

export interface SecretSample {
  name: string;
  line: string;
  secret: string;
}

const s = (name: string, secret: string, line: (secret: string) => string): SecretSample => ({
  name,
  secret,
  line: line(secret),
});

/** drover's own secrets, as the environment of the process under test holds them. */
export const OWN_SECRETS = {
  DROVER_WEBHOOK_SECRET: 'hook-7a1c9e0b2f4d6a8c',
  SLACK_SIGNING_SECRET: '8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
  SLACK_BOT_TOKEN: `xoxb-1111-2222-${r('bot', 24)}`,
  DISCORD_TOKEN: `MTA${r('discord', 21)}.${r('ts', 6)}.${r('hmac', 30)}`,
  DROVER_SSH_PASSPHRASE: 'correct horse battery staple',
};

export const SECRET_CORPUS: SecretSample[] = [
  // The 25 of the review.
  s('AWS secret key, ini', r('aws', 40), (x) => `aws_secret_access_key = ${x}`),
  s('AWS access key id', `AKIA${upper('akia', 16)}`, (x) => `using key ${x} for s3`),
  s('DB_PASSWORD', 'hunter2-Prod!', (x) => `DB_PASSWORD=${x}`),
  s('JSON password', 'p@ss w0rd "quoted"'.replace(/"/g, ''), (x) => `{"user": "nova", "password": "${x}"}`),
  s('MYSQL_PWD', 'mysql-Secr3t', (x) => `export MYSQL_PWD=${x}`),
  s('postgres URL', 'pg-s3cret', (x) => `connecting to postgres://nova:${x}@db.internal:5432/nova`),
  s('GitHub fine-grained PAT', `github_pat_11${r('ghpat', 20)}_${r('ghpat2', 59)}`, (x) => `token ${x}`),
  s('GitHub classic token', `ghp_${r('ghp', 36)}`, (x) => `GIT_ASKPASS gave ${x}`),
  s('Slack app token', `xapp-1-A0${upper('xapp', 9)}-${hex('xapp', 40)}`, (x) => `app token ${x}`),
  s('Slack bot token', `xoxb-2222-3333-${r('xoxb', 24)}`, (x) => `slack ${x}`),
  s(
    'Slack webhook URL',
    `T0${upper('t', 8)}/B0${upper('b', 8)}/${r('hook', 24)}`,
    (x) => `posting to https://hooks.slack.com/services/${x}`,
  ),
  s('Discord bot token', `MTE${r('dbt', 23)}.${r('g', 6)}.${r('sig', 38)}`, (x) => `discord login ${x}`),
  s('SECRET_KEY_BASE', hex('skb', 64), (x) => `SECRET_KEY_BASE=${x}`),
  s('client_secret', r('cs', 32), (x) => `client_secret=${x}&grant_type=client_credentials`),
  s('drover webhook secret', OWN_SECRETS.DROVER_WEBHOOK_SECRET, (x) => `configured hook ${x} ok`),
  s('Slack signing secret', OWN_SECRETS.SLACK_SIGNING_SECRET, (x) => `signing with ${x}`),
  s(
    'private key block',
    `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${r('pk', 60)}`,
    (x) => `-----BEGIN PRIVATE KEY-----\n${x}\n${r('pk2', 64)}\n-----END PRIVATE KEY-----`,
  ),
  s('Bearer header', r('bearer', 40), (x) => `Authorization: Bearer ${x}`),
  s('Basic header', Buffer.from('admin:basic-secret').toString('base64'), (x) => `Authorization: Basic ${x}`),
  s('api_key=', r('apikey', 32), (x) => `api_key=${x}`),
  s('password: yaml', 'yaml-pass-123', (x) => `  password: ${x}`),
  s('token=', r('tok', 30), (x) => `curl -d token=${x} https://x`),
  s('JWT', `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub3ZhIn0.${r('jwt', 43)}`, (x) => `cookie jwt ${x}`),
  s('redis URL', 'redis-pw-9', (x) => `redis://:${x}@cache:6379/0`),
  s('amqp URL', 'rabbit-pw', (x) => `transport_url = amqp://openstack:${x}@rabbit//`),
  // From scanners' rule sets.
  s('GitLab PAT', `glpat-${r('glpat', 20)}`, (x) => `gitlab ${x}`),
  s('Google API key', `AIza${r('gapi', 35)}`, (x) => `maps key ${x}`),
  s('Google OAuth client secret', `GOCSPX-${r('gocspx', 28)}`, (x) => `oauth ${x}`),
  s('Stripe live key', `sk_live_${r('stripe', 24)}`, (x) => `stripe ${x}`),
  s('Stripe webhook secret', `whsec_${r('whsec', 32)}`, (x) => `endpoint ${x}`),
  s('Twilio API key', `SK${hex('twilio', 32)}`, (x) => `twilio ${x}`),
  s('SendGrid key', `SG.${r('sg1', 22)}.${r('sg2', 43)}`, (x) => `mail ${x}`),
  s('npm token', `npm_${r('npm', 36)}`, (x) => `//registry.npmjs.org/:_authToken=${x}`),
  s('PyPI token', `pypi-AgEIcHlwaS5vcmc${r('pypi', 60)}`, (x) => `twine ${x}`),
  s('OpenAI key', `sk-proj-${r('oai', 48)}`, (x) => `llm ${x}`),
  s('Anthropic key', `sk-ant-api03-${r('ant', 80)}`, (x) => `claude ${x}`),
  s('DigitalOcean token', `dop_v1_${hex('do', 64)}`, (x) => `doctl ${x}`),
  s('Shopify token', `shpat_${hex('shop', 32)}`, (x) => `shop ${x}`),
  s('Mailgun key', `key-${r('mailgun', 32)}`, (x) => `mailgun ${x}`),
  s('Vault token', `hvs.${r('vault', 90)}`, (x) => `VAULT_TOKEN=${x}`),
  s('Hugging Face token', `hf_${r('hf', 34)}`, (x) => `hub ${x}`),
  s('Postman key', `PMAK-${hex('pm', 24)}-${hex('pm2', 34)}`, (x) => `postman ${x}`),
  s('Grafana service account', `glsa_${r('gr', 32)}_${hex('gr', 8)}`, (x) => `grafana ${x}`),
  s('New Relic key', `NRAK-${upper('nr', 27)}`, (x) => `newrelic ${x}`),
  s('Databricks token', `dapi${hex('db', 32)}`, (x) => `databricks ${x}`),
  s('Linear key', `lin_api_${r('lin', 40)}`, (x) => `linear ${x}`),
  s('Doppler token', `dp.pt.${r('dop', 43)}`, (x) => `doppler ${x}`),
  s('Telegram bot token', `123456789:AA${r('tg', 33)}`, (x) => `bot ${x}`),
  s('age secret key', `AGE-SECRET-KEY-1${upper('age', 58)}`, (x) => x),
  s(
    'Azure storage key',
    `${r('az', 86)}==`,
    (x) => `DefaultEndpointsProtocol=https;AccountName=n;AccountKey=${x};EndpointSuffix=core.windows.net`,
  ),
  s('--password flag', 'flag-pass-77', (x) => `mysqladmin --password ${x} status`),
  s('mysql -p', 'mysqlp-pass', (x) => `mysql -u root -p${x} -e 'select 1'`),
  s('netrc', 'netrc-pass', (x) => `machine git.example.com login deploy password ${x}`),
  s(
    'OpenSSH private key',
    r('openssh', 70),
    (x) =>
      `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${x}\n-----END OPENSSH PRIVATE KEY-----`,
  ),
  s('Sentry DSN', hex('sentry', 32), (x) => `SENTRY=https://${x}@o123.ingest.sentry.io/42`),
  s(
    'Discord webhook URL',
    `112233445566/${r('dwh', 68)}`,
    (x) => `notify https://discord.com/api/webhooks/${x}`,
  ),
  s('drover bot token', OWN_SECRETS.SLACK_BOT_TOKEN, (x) => `env says ${x}`),
  s('drover Discord token', OWN_SECRETS.DISCORD_TOKEN, (x) => `env says ${x}`),
  s('SSH passphrase', OWN_SECRETS.DROVER_SSH_PASSPHRASE, (x) => `unlocking with ${x}`),
  s('session cookie', r('sess', 40), (x) => `Set-Cookie: session_id=${x}; HttpOnly`),
];

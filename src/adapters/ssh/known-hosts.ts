// known_hosts, as OpenSSH reads it: plain and hashed (`|1|salt|hmac`) host patterns,
// `[host]:port`, comma lists, wildcards and negations, `@revoked`. A host key is accepted only
// when a matching line holds exactly that key.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHost {
  marker: '@revoked' | '@cert-authority' | null;
  patterns: string[];
  keyType: string;
  key: Buffer;
  /** Whether the line's host patterns name this host (compiled once, at parse). */
  matches: (name: string) => boolean;
}

export function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker =
      fields[0] === '@revoked' || fields[0] === '@cert-authority'
        ? (fields.shift() as KnownHost['marker'])
        : null;
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) continue;
    const patterns = hosts.split(',');
    entries.push({
      marker,
      patterns,
      keyType,
      key: Buffer.from(key, 'base64'),
      matches: compilePatterns(patterns),
    });
  }
  return entries;
}

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

type Matcher = (name: string) => boolean;

function compilePattern(pattern: string): Matcher {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return () => false;
    const key = Buffer.from(salt, 'base64');
    return (name) => createHmac('sha1', key).update(name).digest('base64') === hash;
  }
  if (!/[*?]/.test(pattern)) {
    const literal = pattern.toLowerCase();
    return (name) => name.toLowerCase() === literal;
  }
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return (name) => regex.test(name);
}

/** A comma list: some pattern names the host and no negated one does. */
function compilePatterns(patterns: string[]): Matcher {
  const negated = patterns.filter((p) => p.startsWith('!')).map((p) => compilePattern(p.slice(1)));
  const positive = patterns.filter((p) => !p.startsWith('!')).map(compilePattern);
  return (name) => positive.some((match) => match(name)) && !negated.some((match) => match(name));
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii');
}

/** `SHA256:…` as ssh-keygen prints it (base64, no padding). */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type Verdict = { ok: true } | { ok: false; reason: 'unknown' | 'changed' | 'revoked' };

export function verifyHostKey(entries: KnownHost[], host: string, port: number, blob: Buffer): Verdict {
  const name = hostName(host, port);
  // Lines holding this very key decide acceptance and revocation, and matching a hashed host
  // costs an HMAC: those lines first, every line only to tell a changed key from an unknown one.
  const holding = entries.filter((entry) => entry.key.equals(blob) && entry.matches(name));
  if (holding.some((entry) => entry.marker === '@revoked')) return { ok: false, reason: 'revoked' };
  if (holding.some((entry) => entry.marker === null)) return { ok: true };
  const named = entries.some((entry) => entry.marker === null && entry.matches(name));
  return { ok: false, reason: named ? 'changed' : 'unknown' };
}

/** A plain known_hosts line for a key (what trust-on-first-use appends). */
export function knownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${hostName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

/**
 * Whether known_hosts vouches for the host only through a `@cert-authority` line (no plain key
 * line names it): such a host presents a certificate, which ssh2 cannot verify.
 */
export function certifiedOnly(entries: KnownHost[], host: string, port: number): boolean {
  const name = hostName(host, port);
  return (
    entries.some((entry) => entry.marker === '@cert-authority' && entry.matches(name)) &&
    !entries.some((entry) => entry.marker === null && entry.matches(name))
  );
}

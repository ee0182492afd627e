// known_hosts, as OpenSSH reads it: plain and hashed (`|1|salt|hmac`) host patterns,
// `[host]:port`, comma lists, wildcards and negations, `@revoked`. A host key is accepted only
// when a matching line holds exactly that key.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHost {
  marker: '@revoked' | '@cert-authority' | null;
  patterns: string[];
  keyType: string;
  key: Buffer;
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
    entries.push({ marker, patterns: hosts.split(','), keyType, key: Buffer.from(key, 'base64') });
  }
  return entries;
}

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatch(pattern, name);
}

export function entryMatches(entry: KnownHost, name: string): boolean {
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) matched = true;
  }
  return matched;
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
  const matching = entries.filter((entry) => entryMatches(entry, name));
  if (matching.some((entry) => entry.marker === '@revoked' && entry.key.equals(blob)))
    return { ok: false, reason: 'revoked' };
  const plain = matching.filter((entry) => entry.marker === null);
  if (plain.some((entry) => entry.key.equals(blob))) return { ok: true };
  return { ok: false, reason: plain.length > 0 ? 'changed' : 'unknown' };
}

/** A plain known_hosts line for a key (what trust-on-first-use appends). */
export function knownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${hostName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

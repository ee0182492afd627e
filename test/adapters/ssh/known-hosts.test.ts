import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  keyTypeOf,
  parseKnownHosts,
  verifyHostKey,
} from '../../../src/adapters/ssh/known-hosts.js';

/** An SSH public key blob: string type, then opaque key material. */
function blob(type: string, seed: string): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, createHash('sha256').update(seed).digest()]);
}
const line = (hosts: string, key: Buffer) => `${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

const ed = blob('ssh-ed25519', 'a');
const ecdsa = blob('ecdsa-sha2-nistp256', 'b');
const other = blob('ssh-ed25519', 'c');

describe('known_hosts', () => {
  it('matches comma lists, [host]:port, host alone on port 22, several key types per host', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        line('ctl-1,10.0.0.11', ed),
        line('10.0.0.11', ecdsa),
        line('[10.0.0.12]:2222', ed),
        '',
      ].join('\n'),
    );
    expect(verifyHostKey(entries, '10.0.0.11', 22, ed)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.0.11', 22, ecdsa)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.0.12', 2222, ed)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.0.12', 22, ed)).toEqual({ ok: false, reason: 'unknown' });
    expect(verifyHostKey(entries, '10.0.0.11', 22, other)).toEqual({ ok: false, reason: 'changed' });
  });

  it('matches hashed names, wildcards and negations', () => {
    const entries = parseKnownHosts(
      [line(hashed('[10.0.0.13]:2222'), ed), line('10.0.1.*,!10.0.1.66', ecdsa)].join('\n'),
    );
    expect(verifyHostKey(entries, '10.0.0.13', 2222, ed)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.0.14', 2222, ed)).toEqual({ ok: false, reason: 'unknown' });
    expect(verifyHostKey(entries, '10.0.1.7', 22, ecdsa)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.1.66', 22, ecdsa)).toEqual({ ok: false, reason: 'unknown' });
    // A hashed line naming the host with another key: a changed key, not an unknown host.
    expect(verifyHostKey(entries, '10.0.0.13', 2222, other)).toEqual({ ok: false, reason: 'changed' });
  });

  it('refuses a revoked key even when also listed, and ignores @cert-authority lines', () => {
    const entries = parseKnownHosts(
      [`@revoked ${line('*', ed)}`, line('10.0.0.11', ed), `@cert-authority ${line('*', other)}`].join('\n'),
    );
    expect(verifyHostKey(entries, '10.0.0.11', 22, ed)).toEqual({ ok: false, reason: 'revoked' });
    expect(verifyHostKey(entries, '10.0.0.20', 22, other)).toEqual({ ok: false, reason: 'unknown' });
    // A key revoked for other hosts only still serves the host that lists it.
    const narrow = parseKnownHosts([`@revoked ${line('10.0.0.99', ed)}`, line('10.0.0.11', ed)].join('\n'));
    expect(verifyHostKey(narrow, '10.0.0.11', 22, ed)).toEqual({ ok: true });
    expect(verifyHostKey(narrow, '10.0.0.99', 22, ed)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('prints fingerprints as ssh-keygen does: SHA256, base64 without padding', () => {
    expect(fingerprint(ed)).toBe(
      `SHA256:${createHash('sha256').update(ed).digest('base64').replace(/=+$/, '')}`,
    );
    expect(fingerprint(ed)).not.toMatch(/=$/);
  });
});

import { describe, expect, it } from 'vitest';
import { createRedactor, ownSecrets } from '../../../src/adapters/ssh/redact.js';
import { Tail } from '../../../src/adapters/ssh/tail.js';
import { OWN_SECRETS, SECRET_CORPUS } from '../../support/secret-corpus.js';

const redact = createRedactor([], ownSecrets(OWN_SECRETS));

/** A secret leaks when any 8 characters of it in a row survive (or all of a shorter one). */
function leaked(text: string, secret: string): string | undefined {
  const size = Math.min(8, secret.length);
  for (let i = 0; i + size <= secret.length; i += 1) {
    const piece = secret.slice(i, i + size);
    if (text.includes(piece)) return piece;
  }
  return undefined;
}

describe('redaction', () => {
  it(`removes each of ${SECRET_CORPUS.length} secret shapes, alone and in one output`, () => {
    expect(SECRET_CORPUS.length).toBeGreaterThanOrEqual(40);
    for (const sample of SECRET_CORPUS) {
      const out = redact(`before ${sample.line} after`);
      expect(leaked(out, sample.secret), `${sample.name}: ${out}`).toBeUndefined();
      expect(out, sample.name).toContain('[redacted]');
    }
    const all = redact(SECRET_CORPUS.map((sample) => sample.line).join('\n'));
    for (const sample of SECRET_CORPUS) expect(leaked(all, sample.secret), sample.name).toBeUndefined();
  });

  it('keeps what is not a secret: key names, users, ordinary output', () => {
    expect(redact('DB_PASSWORD=hunter2-Prod!')).toBe('DB_PASSWORD=[redacted]');
    expect(redact('postgres://nova:pw-1@db/nova')).toBe('postgres://nova:[redacted]@db/nova');
    expect(redact('{"password": "x y"}')).toBe('{"password": "[redacted]"}');
    const plain = 'nova-compute healthy on cmp-01 after 3 retries (commit 3f9c2a1)';
    expect(redact(plain)).toBe(plain);
  });

  it('redacts the password of DATABASE_URL, not the whole URL, when it is drover’s own', () => {
    const own = createRedactor([], ownSecrets({ DATABASE_URL: 'postgres://drover:dbpw%2F9x@db/drover' }));
    expect(own('psql said: password dbpw/9x rejected')).toBe('psql said: password [redacted] rejected');
  });

  it('applies the config’s patterns', () => {
    const custom = createRedactor(['tenant-[0-9]+'], []);
    expect(custom('tenant-42 and\ntenant-7')).toBe('[redacted] and\n[redacted]');
  });

  it('redacts before it cuts: no half token survives at the start of a tail', () => {
    for (const sample of SECRET_CORPUS) {
      const text = `${'filler line\n'.repeat(700)}${sample.line}\nlast line\n`;
      const at = text.indexOf(sample.secret);
      // Cut through the middle of the secret: keep its second half and what follows.
      const limit = Buffer.byteLength(text.slice(at + Math.floor(sample.secret.length / 2)));
      const tail = new Tail(limit);
      for (let i = 0; i < text.length; i += 1000) tail.push(Buffer.from(text.slice(i, i + 1000)));
      const out = tail.text(redact);
      expect(
        leaked(out, sample.secret.slice(Math.floor(sample.secret.length / 2))),
        sample.name,
      ).toBeUndefined();
      expect(out).toContain('last line');
    }
  });

  it('redacts a private key block whose start was cut off before the tail', () => {
    const body = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=';
    const text = `${'x'.repeat(40_000)}\n-----BEGIN RSA PRIVATE KEY-----\n${`${body}\n`.repeat(600)}-----END RSA PRIVATE KEY-----\ndone\n`;
    const tail = new Tail(1024, 1024);
    tail.push(Buffer.from(text));
    const out = tail.text(redact);
    expect(out).not.toContain(body);
    expect(out).toContain('done');
  });

  it('stays fast on output built to make patterns backtrack', () => {
    const hostile = [
      `${'a.'.repeat(20_000)}`,
      `password${'='.repeat(20_000)}`,
      `${'x'.repeat(40_000)}@`,
      `"${'password'.repeat(3000)}": "`,
      `-----BEGIN PRIVATE KEY-----${'A'.repeat(40_000)}`,
      `${'-'.repeat(40_000)}END`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      redact(text);
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(2_000);
    }
  });
});

describe('the config’s redact: patterns at run time', () => {
  it('withholds the output when a pattern backtracks too long, instead of blocking', () => {
    // validate refuses this pattern; a config that bypassed it still cannot stall a process.
    const slow = createRedactor(['(a+)+$'], []);
    const started = performance.now();
    expect(slow(`${'a'.repeat(40)}!`)).toMatch(/output withheld/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

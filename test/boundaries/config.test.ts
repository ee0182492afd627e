// Configs that would poison every command (defect 11 of "every boundary holds"), through
// `drover validate` as the CLI runs it: each is an error naming file, line and column, or a
// warning, in one line — never a stack trace, a hang, or a file read without end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { EXAMPLE_CONFIG } from '../../src/config/example.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-poison-'));

async function validate(config: string | { path: string }, flags: string[] = []) {
  let path: string;
  if (typeof config === 'string') {
    path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, config);
  } else path = config.path;
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['validate', '--config', path, ...flags], {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { HOME: dir },
  });
  return { code, out: out.join('\n'), err: err.join('\n'), path };
}

const withRedact = (list: string) => `${EXAMPLE_CONFIG}\nredact: ${list}\n`;
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |TypeError|ReferenceError|SyntaxError:/);

describe('configs that would poison every command', () => {
  it('takes 150 aliases in a valid file and refuses an alias bomb with a clear error', async () => {
    const anchors = `${EXAMPLE_CONFIG}\nx-roles: &roles [controller]\n`;
    const many = Array.from({ length: 150 }, (_, i) => `  s${i}: { roles: *roles }`).join('\n');
    const valid = await validate(
      anchors
        .replace('x-roles: &roles [controller]\n', '')
        .replace(/^services:\n/m, `services:\n  s-1: { roles: &roles [controller] }\n${many}\n`),
    );
    expect(valid.err).toBe('');
    expect(valid.code).toBe(0);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
    ])
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const refused = await validate(`${bomb.join('\n')}\n`);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/:\d+:\d+.*aliases \(\*name\) expand to more than 1000 nodes/);
    noStack(refused.err);
  });

  it('refuses redact: patterns that do not compile or nest quantifiers, with their position', async () => {
    const unclosed = await validate(withRedact('["(unclosed"]'));
    expect(unclosed.code).toBe(1);
    expect(unclosed.err).toMatch(/:\d+:\d+: redact\.0: not a valid regular expression: .*Unterminated group/);
    const catastrophic = await validate(withRedact('["ok-[0-9]+", "(a+)+$"]'));
    expect(catastrophic.err).toMatch(/:\d+:\d+: redact\.1: a repeated group holds a repetition/);
    noStack(`${unclosed.err}${catastrophic.err}`);
  });

  it('refuses durations beyond the timer limit', async () => {
    const long = await validate(
      EXAMPLE_CONFIG.replace('timeouts: { default: 5m', 'timeouts: { default: 600h'),
    );
    expect(long.code).toBe(1);
    expect(long.err).toMatch(/phases\.timeouts\.default: longer than 24d/);
    expect(
      (await validate(EXAMPLE_CONFIG.replace('timeouts: { default: 5m', 'timeouts: { default: 24d'))).code,
    ).toBe(0);
  });

  it('refuses a bad cron expression or time zone of a digest', async () => {
    const base = EXAMPLE_CONFIG.match(/digest: \{[^}]*\}/)?.[0];
    expect(base).toBeDefined();
    const cron = await validate(
      EXAMPLE_CONFIG.replace(base!, 'digest: { cron: "61 9 * * *", timezone: UTC }'),
    );
    expect(cron.err).toMatch(/:\d+:\d+: environments\.\w+\.digest\.cron: cron "61 9 \* \* \*" is not valid/);
    const zone = await validate(
      EXAMPLE_CONFIG.replace(base!, 'digest: { cron: "0 9 * * *", timezone: Mars/Olympus }'),
    );
    expect(zone.err).toMatch(/digest\.timezone: unknown time zone "Mars\/Olympus"/);
  });

  it('reads only regular files, and not more than 1 MB', async () => {
    const zero = await validate({ path: '/dev/zero' });
    expect(zero.code).toBe(1);
    expect(zero.err).toMatch(/\/dev\/zero is not a regular file \(a character device\)/);
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const piped = await validate({ path: fifo });
    expect(piped.err).toMatch(/fifo\.yaml is not a regular file \(a FIFO\)/);
    const big = await validate(`${EXAMPLE_CONFIG}\n#${'x'.repeat(1_100_000)}\n`);
    expect(big.err).toMatch(/more than the 1048576 a config may have/);
    const folder = await validate({ path: dir });
    expect(folder.err).toMatch(/is not a regular file \(a directory\)/);
    noStack(`${zero.err}${piped.err}${big.err}${folder.err}`);
  });

  it('warns when a {{placeholder}} sits inside quotes in a template', async () => {
    const quoted = await validate(
      EXAMPLE_CONFIG.replace(/^ {2}drain: .*$/m, `  drain: /opt/deploy/bin/drain "{{service}}" '{{node}}'`),
    );
    expect(quoted.code).toBe(0);
    const drain = quoted.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const line = EXAMPLE_CONFIG.split('\n').findIndex((l) => /^ {2}drain: /.test(l)) + 1;
    expect(quoted.err).toMatch(
      new RegExp(`${drain}:${line}:3: warning: phases\\.drain: \\{\\{service\\}\\} sits inside "…"`),
    );
    expect(quoted.err).toMatch(/warning: phases\.drain: \{\{node\}\} sits inside '…'/);
    expect((await validate(EXAMPLE_CONFIG)).err).toBe('');
    // --json carries them too, each at its position; they do not make the file invalid.
    const json = await validate({ path: quoted.path }, ['--json']);
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.out) as { valid: boolean; errors: unknown[]; warnings: unknown[] };
    expect(printed.valid).toBe(true);
    expect(printed.errors).toEqual([]);
    expect(printed.warnings).toEqual([
      expect.objectContaining({ file: quoted.path, line, column: 3, path: 'phases.drain' }),
      expect.objectContaining({ file: quoted.path, line, column: 3, path: 'phases.drain' }),
    ]);
    expect(JSON.parse((await validate(EXAMPLE_CONFIG, ['--json'])).out).warnings).toEqual([]);
  });
});

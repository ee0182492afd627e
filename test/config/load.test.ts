import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { EXAMPLE_CONFIG } from '../../src/config/example.js';
import { parseConfig } from '../../src/config/load.js';
import { renderConfigReference } from '../../src/config/reference.js';
import { generatedDocs } from '../../src/docs.js';
import { ConfigError } from '../../src/errors.js';

function issues(text: string) {
  try {
    parseConfig(text, 'drover.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('parses the example with its defaults and durations', () => {
    const config = parseConfig(EXAMPLE_CONFIG, 'drover.yaml', { HOME: '/home/ops' });
    expect(config.ssh).toMatchObject({
      port: 22,
      connectTimeout: 10_000,
      concurrency: 20,
      knownHosts: '/home/ops/.ssh/known_hosts',
    });
    expect(config.environments.production!.strategy).toMatchObject({
      kind: 'waves',
      soak: 300_000,
      maxUnavailable: '25%',
    });
    expect(config.phases.timeouts).toMatchObject({ default: 300_000, upgrade: 1_200_000 });
    expect(config.releases.named.havana).toEqual({ ref: 'stable/havana', from: 'grizzly' });
  });

  it.each([
    [
      'bad YAML',
      EXAMPLE_CONFIG.replace('ssh:\n  user: stack', 'ssh:\n  user: [stack'),
      /^drover\.yaml:[56]:\d+: Flow sequence/,
    ],
    [
      'an unknown key',
      EXAMPLE_CONFIG.replace('  concurrency: 20', '  concurency: 20'),
      /^drover\.yaml:10:3: ssh\.concurency: unknown key "concurency"$/,
    ],
    [
      'a wrong type',
      EXAMPLE_CONFIG.replace('port: 2222', 'port: "2222"'),
      /^drover\.yaml:\d+:\d+: environments\.production\.nodes\.2\.port: .*expected number/,
    ],
    [
      'a cycle',
      EXAMPLE_CONFIG.replace('after: [keystone]', 'after: [nova-compute]'),
      /^drover\.yaml:16:\d+: services\.nova-api\.after: dependency cycle: nova-api → nova-compute → nova-api$/,
    ],
    [
      'an unknown after:',
      EXAMPLE_CONFIG.replace('after: [keystone]', 'after: [keystne]'),
      /^drover\.yaml:16:\d+: services\.nova-api\.after\.0: unknown service "keystne"/,
    ],
    [
      'a missing key',
      EXAMPLE_CONFIG.replace('  user: stack\n', ''),
      /^drover\.yaml:4:1: ssh\.user: required key is missing$/,
    ],
    [
      'a duplicate node',
      EXAMPLE_CONFIG.replace('name: ctl-2', 'name: ctl-1'),
      /nodes\.1\.name: duplicate node name "ctl-1"/,
    ],
    [
      'an unknown from',
      EXAMPLE_CONFIG.replace('from: grizzly', 'from: folsom'),
      /releases\.havana\.from: unknown release "folsom"/,
    ],
    [
      'no operators',
      EXAMPLE_CONFIG.replace(
        'operators:  { slack: [U0OPS1], discord: ["9988776655"] }',
        'operators: {}',
      ).replace(/ {4}operators: \{ slack: \[U0OPS1, U0OPS2\] \}.*\n/, ''),
      /operators: no operators/,
    ],
    [
      'a freeze cron that cannot run',
      EXAMPLE_CONFIG.replace('cron: "0 17 * * 5"', 'cron: "0 25 * * 5"'),
      /environments\.production\.freeze\.0\.cron: freeze cron "0 25 \* \* 5" is not valid/,
    ],
    [
      'an unknown timezone',
      EXAMPLE_CONFIG.replace('timezone: Europe/Berlin   ', 'timezone: Europe/Berlinn  '),
      /environments\.production\.timezone: unknown timezone "Europe\/Berlinn"/,
    ],
    [
      'a freeze ending before it begins',
      EXAMPLE_CONFIG.replace('to: 2026-12-26', 'to: 2026-12-20'),
      /environments\.production\.freeze\.1\.to: the window ends \(2026-12-20\) before it begins/,
    ],
    [
      'a freeze date that does not exist',
      EXAMPLE_CONFIG.replace('from: 2026-12-24', 'from: 2026-02-30'),
      /environments\.production\.freeze\.1\.from: "2026-02-30" is not a date/,
    ],
    [
      'an environment’s empty operators',
      EXAMPLE_CONFIG.replace('operators: { slack: [U0OPS1, U0OPS2] }', 'operators: {}'),
      /environments\.production\.operators: no operators/,
    ],
  ])('reports %s at file:line:column with the key', (_what, text, expected) => {
    expect(issues(text).some((line) => expected.test(line))).toBe(true);
  });

  it('reports every problem at once', () => {
    const text = EXAMPLE_CONFIG.replace('  concurrency: 20', '  concurency: 20').replace(
      'port: 2222',
      'port: "x"',
    );
    expect(issues(text)).toHaveLength(2);
  });

  it('init writes a file that validates; validate prints the summary; broken files exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-config-'));
    const file = join(dir, 'drover.yaml');
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      env: { DROVER_CONFIG: file },
    };
    expect(await main(['init'], io)).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(EXAMPLE_CONFIG);
    expect(await main(['validate'], io)).toBe(0);
    expect(out.join('\n')).toContain('upgrade order: keystone → nova-api → nova-compute');
    expect(await main(['init'], io)).toBe(1);
    expect(err.join('\n')).toContain('exists; pass --force');
    expect(await main(['validate', '--config', join(dir, 'missing.yaml')], io)).toBe(1);
    expect(err.join('\n')).toContain('cannot read the config');
  });

  it('the committed docs are what the generator writes (npm run docs)', () => {
    for (const [file, text] of Object.entries(generatedDocs())) {
      expect(
        readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'),
        `${file} is stale: run npm run docs`,
      ).toBe(text);
    }
  });

  it('docs/config.md gives every key a meaning', () => {
    const rows = renderConfigReference()
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      // Cells split on unescaped pipes (an enum's type is `"a" \| "b"`).
      .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()));
    expect(rows.length).toBeGreaterThan(100);
    for (const cells of rows) expect(cells, cells[1]).toHaveLength(7);
    expect(rows.filter((cells) => cells[5] === '').map((cells) => cells[1])).toEqual([]);
  });
});

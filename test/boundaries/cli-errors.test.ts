// No stack traces to users (defect 12 of "every boundary holds"): an unknown flag and an
// unreachable database are one line naming the problem; the stack only with LOG_LEVEL=debug.
// Usage errors exit 64 with the usage line of the command they were made on.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { EXAMPLE_CONFIG } from '../../src/config/example.js';
import { drover as child } from '../support/child.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-errors-'));
const config = join(dir, 'drover.yaml');
writeFileSync(config, EXAMPLE_CONFIG);

async function drover(args: string[], env: NodeJS.ProcessEnv = {}) {
  const err: string[] = [];
  const code = await main(args, {
    out: () => undefined,
    err: (text) => err.push(text),
    env: { HOME: dir, ...env },
  });
  return { code, err: err.join('\n') };
}

describe('errors reach users as one line', () => {
  it('an unknown flag is a usage error, exit 64', async () => {
    const { code, err } = await drover(['plan', 'havana', '--bogus', '--config', config]);
    expect(code).toBe(64);
    expect(err).toMatch(/unknown option '--bogus'/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('an unreachable database names the problem in one line; the stack only in the debug log', async () => {
    const env = { DATABASE_URL: 'postgres://drover@127.0.0.1:1/none' };
    const plain = await drover(['upgrade', 'status', '--config', config], env);
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/^drover: .*(ECONNREFUSED|connect)/);
    expect(plain.err.split('\n')).toHaveLength(1);
    const debug = await drover(['upgrade', 'status', '--config', config], { ...env, LOG_LEVEL: 'debug' });
    expect(debug.err).toMatch(/\n\s+at /);
  });
});

// The same boundaries as a user meets them: `drover` in a child process.
describe('drover as a child process', () => {
  const run = (args: string[]) => child(args, { cwd: dir, env: { HOME: dir, DATABASE_URL: '' } });

  it('--version and -V print package.json’s version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const printed = await run([flag]);
      expect(printed, flag).toMatchObject({ code: 0, out: `${version}\n`, err: '' });
    }
  });

  it('a flag a command does not take is a usage error, exit 64, never a stack trace', async () => {
    const bogus = await run(['upgrade', 'start', '--bogus']);
    expect(bogus.code).toBe(64);
    expect(bogus.err).toMatch(/^error: unknown option '--bogus'$/m);
    expect(bogus.err).toMatch(/^usage: drover upgrade start \[options\] <release>$/m);
    expect(bogus.err).not.toMatch(/\n\s+at /);
    expect(bogus.out).toBe('');
    // A flag another command takes is no flag of this one.
    const borrowed = await run(['init', '--wait', '--config', join(dir, 'never.yaml')]);
    expect(borrowed.code).toBe(64);
    expect(borrowed.err).toMatch(/^error: unknown option '--wait'$/m);
    expect(existsSync(join(dir, 'never.yaml'))).toBe(false);
    const command = await run(['upgarde']);
    expect(command.code).toBe(64);
    expect(command.err).toMatch(/unknown command 'upgarde'[\s\S]*\(Did you mean upgrade\?\)/);
  });

  it('validate --json on a bad file names file:line:column and the key, exit 1', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, EXAMPLE_CONFIG.replace('  port: 22 ', '  port: twenty-two '));
    const checked = await run(['validate', '--json', '--config', bad]);
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.out)).toEqual({
      file: bad,
      valid: false,
      errors: [
        {
          file: bad,
          line: lineOf(bad, 'port: twenty-two'),
          column: 3,
          path: 'ssh.port',
          message: expect.stringMatching(/number/),
        },
      ],
    });
  });

  it('validate refuses a cron expression and a time zone that do not exist, each at its position', async () => {
    const bad = join(dir, 'schedule.yaml');
    writeFileSync(
      bad,
      EXAMPLE_CONFIG.replace('cron: "0 9 * * 1-5"', 'cron: "0 25 * * *"').replace(
        'timezone: Europe/Berlin            #',
        'timezone: Europe/Berlinn           #',
      ),
    );
    const checked = await run(['validate', '--config', bad]);
    expect(checked.code).toBe(1);
    const cron = lineOf(bad, 'cron: "0 25 * * *"');
    const zone = lineOf(bad, 'timezone: Europe/Berlinn');
    expect(checked.err).toContain(
      `${bad}:${cron}:${columnOf(bad, cron, 'cron:')}: environments.production.digest.cron: cron "0 25 * * *" is not valid`,
    );
    expect(checked.err).toContain(
      `${bad}:${zone}:${columnOf(bad, zone, 'timezone:')}: environments.production.timezone: unknown timezone "Europe/Berlinn"`,
    );
    expect(checked.err).not.toMatch(/\n\s+at /);
  });
});

function lineOf(file: string, text: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((line) => line.includes(text)) + 1
  );
}

function columnOf(file: string, line: number, text: string): number {
  return (readFileSync(file, 'utf8').split('\n')[line - 1] ?? '').indexOf(text) + 1;
}

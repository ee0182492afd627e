// No stack traces to users (defect 12 of "every boundary holds"): an unknown flag and an
// unreachable database are one line naming the problem; the stack only with LOG_LEVEL=debug.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { EXAMPLE_CONFIG } from '../../src/config/example.js';

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

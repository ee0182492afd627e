import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { type Lab, startLab } from '../support/lab.js';

describe('drover validate --reach', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1 });
  });
  afterAll(async () => {
    await lab?.close();
  });

  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['validate', '--reach', '--config', lab.configPath, ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('checks key files, refs and every node over SSH, and names each problem', async () => {
    const ok = await run([]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('reach: every file, ref and node answered');

    const yaml = readFileSync(lab.configPath, 'utf8');
    writeFileSync(
      lab.configPath,
      yaml
        .replace('havana:  { ref: stable/havana', 'havana:  { ref: stable/hvana')
        .replace(`knownHosts: ${lab.fleet.knownHostsPath}`, 'knownHosts: /dev/null'),
    );
    const bad = await run([]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/releases\.havana\.ref: stable\/hvana does not resolve/);
    expect(bad.err).toMatch(
      /node ctl-1: unknown host key for \[127\.0\.0\.1\]:\d+ \(node ctl-1\) ssh-ed25519 SHA256:/,
    );
    writeFileSync(lab.configPath, yaml);
  });
});

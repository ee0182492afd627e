import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { type Lab, startLab } from '../support/lab.js';

/** `file:line:column` of `key` on the line of the file's `text` holding `marker`. */
function position(file: string, text: string, marker: string, key: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((text) => text.includes(marker));
  expect(line, marker).toBeGreaterThanOrEqual(0);
  const column = lines[line]!.indexOf(key, lines[line]!.indexOf(marker));
  return `${file}:${line + 1}:${column + 1}`;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
    const broken = yaml
      .replace('havana:  { ref: stable/havana', 'havana:  { ref: stable/hvana')
      .replace(`knownHosts: ${lab.fleet.knownHostsPath}`, 'knownHosts: /dev/null');
    writeFileSync(lab.configPath, broken);
    const bad = await run([]).finally(() => writeFileSync(lab.configPath, yaml));
    expect(bad.code).toBe(1);
    // Each problem at the file:line:column of the key at fault.
    const ref = position(lab.configPath, broken, 'ref: stable/hvana', 'ref');
    expect(bad.err).toContain(`${ref}: releases.havana.ref: stable/hvana does not resolve`);
    const host = position(lab.configPath, broken, '{ name: ctl-1,', 'host:');
    expect(bad.err).toMatch(
      new RegExp(
        `${literal(host)}: environments\\.lab\\.nodes\\.0\\.host: node ctl-1: unknown host key for \\[127\\.0\\.0\\.1\\]:\\d+ \\(node ctl-1\\) ssh-ed25519 SHA256:`,
      ),
    );
    writeFileSync(lab.configPath, yaml);
  });

  it('an unreadable file names its key', async () => {
    const yaml = readFileSync(lab.configPath, 'utf8');
    const missing = yaml.replace(
      `knownHosts: ${lab.fleet.knownHostsPath}`,
      'knownHosts: /nonexistent/known_hosts',
    );
    writeFileSync(lab.configPath, missing);
    const bad = await run([]).finally(() => writeFileSync(lab.configPath, yaml));
    expect(bad.code).toBe(1);
    const key = position(lab.configPath, missing, 'knownHosts: /nonexistent', 'knownHosts');
    expect(bad.err).toContain(`${key}: ssh.knownHosts: /nonexistent/known_hosts is not readable (ENOENT)`);
  });

  it('a node that its jump host fails names that hop: the node’s own `jump`, else `ssh.jump`', async () => {
    const yaml = readFileSync(lab.configPath, 'utf8');
    // Port 9 (discard) on 127.0.0.1 refuses connections.
    const own = yaml.replace('{ name: ctl-1,', '{ name: ctl-1, jump: [ops@127.0.0.1:9],');
    writeFileSync(lab.configPath, own);
    const viaOwn = await run(['--json']).finally(() => writeFileSync(lab.configPath, yaml));
    expect(viaOwn.code).toBe(1);
    const at = position(lab.configPath, own, 'jump: [ops@127.0.0.1:9]', 'ops@').split(':');
    expect(JSON.parse(viaOwn.out).errors).toEqual([
      {
        file: lab.configPath,
        line: Number(at.at(-2)),
        column: Number(at.at(-1)),
        path: 'environments.lab.nodes.0.jump.0',
        message: expect.stringMatching(/^node ctl-1: .*jump host 1 ops@127\.0\.0\.1:9: /),
      },
    ]);

    const shared = yaml.replace('ssh: { user: stack,', 'ssh: { user: stack, jump: [ops@127.0.0.1:9],');
    writeFileSync(lab.configPath, shared);
    const viaShared = await run([]).finally(() => writeFileSync(lab.configPath, yaml));
    expect(viaShared.code).toBe(1);
    const hop = position(lab.configPath, shared, 'jump: [ops@127.0.0.1:9]', 'ops@');
    expect(viaShared.err).toMatch(
      new RegExp(`^${literal(hop)}: ssh\\.jump\\.0: node ctl-1: .*jump host 1 ops@`, 'm'),
    );
    expect(viaShared.err).toMatch(
      new RegExp(`^${literal(hop)}: ssh\\.jump\\.0: node cmp-01: .*jump host 1 ops@`, 'm'),
    );
    writeFileSync(lab.configPath, yaml);
  });
});

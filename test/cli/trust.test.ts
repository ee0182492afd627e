import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/db/open.js';
import { type Lab, startLab } from '../support/lab.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

function drover(lab: Lab, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args, '--config', lab.configPath], {
      cwd: lab.root,
      env: { ...process.env, DATABASE_URL: '' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('unknown host keys', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
    await lab.database.close();
    writeFileSync(lab.fleet.knownHostsPath, '');
  });
  afterAll(async () => {
    await lab?.fleet.close();
  });

  it('are refused without the flag, and taken, recorded and audited with --trust-new-hosts', async () => {
    const refused = await drover(lab, ['upgrade', 'start', 'havana', '--wait', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      /unknown host key for \[127\.0\.0\.1\]:\d+ \(node (ctl-1|cmp-01)\) ssh-ed25519 SHA256:/,
    );
    expect(readFileSync(lab.fleet.knownHostsPath, 'utf8')).toBe('');
    await drover(lab, ['upgrade', 'abort']);
    const trusted = await drover(lab, [
      'upgrade',
      'start',
      'havana',
      '--wait',
      '--json',
      '--trust-new-hosts',
    ]);
    expect(trusted.code, trusted.out).toBe(0);
    const known = readFileSync(lab.fleet.knownHostsPath, 'utf8');
    for (const node of lab.fleet.nodes) expect(known).toContain(node.hostKeyLine);
    const database = await openDatabase({ env: {}, dataDir: `${lab.root}/.drover/db` });
    try {
      const audit = await database.db.execute(
        "select args from audit_log where command = 'trust new host key'",
      );
      expect(JSON.stringify(audit)).toContain('SHA256:');
    } finally {
      await database.close();
    }
  }, 120_000);
});

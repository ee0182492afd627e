// Governance from the shell (a child process, as a user runs it): the CLI is an operator like
// any other — its start becomes a request when the environment needs approvals (`--wait` exits
// 2), it cannot approve its own request, and `lock` and `audit` answer in text.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../support/lab.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

function drover(lab: Lab, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args, '--config', lab.configPath], {
      cwd: lab.root,
      env: { ...process.env, DATABASE_URL: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('governance from the CLI', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({
      controllers: 1,
      computes: 1,
      strategy: '{ kind: all-at-once }',
      environment: '    approvals: { start: 1 }\n    operators: { slack: [U0OPS, U0OPS2] }',
    });
    await lab.database.close();
  });
  afterAll(async () => {
    await lab?.fleet.close();
  });

  it('lock, a start awaiting approval (exit 2 with --wait), no self-approval, and the audit', async () => {
    const locked = await drover(lab, ['upgrade', 'lock', 'db work', '--env', 'lab']);
    expect(locked.code, locked.err).toBe(0);
    expect(locked.out).toMatch(/^lab locked by .+: db work/);

    const started = await drover(lab, ['upgrade', 'start', 'havana', '--env', 'lab', '--wait', '--json']);
    expect(started.code, started.err).toBe(2);
    expect(JSON.parse(started.out)).toMatchObject({ environment: 'lab', state: 'awaiting_approval' });

    const own = await drover(lab, ['upgrade', 'approve', '1']);
    expect(own).toMatchObject({ code: 1, err: expect.stringMatching(/you asked for request #1/) });

    const audit = await drover(lab, ['upgrade', 'audit', '--n', '5']);
    expect(audit.code, audit.err).toBe(0);
    const lines = audit.out.trim().split('\n');
    expect(lines[0]).toMatch(/approve request=1 → refused: you asked for request #1.*\[request #1, lab\]/);
    expect(lines[1]).toMatch(/start havana env=lab → requested: request #1.*\[upgrade #1, request #1, lab\]/);
    expect(lines[2]).toMatch(/lock .*→ ok\s+\[lab\]/);
  }, 120_000);
});

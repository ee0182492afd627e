// Governance from the shell (a child process, as a user runs it): the CLI is an operator like
// any other — its start becomes a request when the environment needs approvals (`--wait` exits
// 2), it cannot approve its own request, and `lock` and `audit` answer in text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drover as runDrover } from '../support/child.js';
import { type Lab, startLab } from '../support/lab.js';

/** `drover <args> --config <the lab's>` in the lab's directory, on its embedded database. */
const drover = (lab: Lab, args: string[]) =>
  runDrover([...args, '--config', lab.configPath], { cwd: lab.root, env: { DATABASE_URL: '' } });

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

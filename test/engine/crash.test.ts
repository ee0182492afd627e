import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../support/lab.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

function drover(
  lab: Lab,
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args, '--config', lab.configPath], {
    cwd: lab.root,
    env: { ...process.env, DATABASE_URL: '' },
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, done };
}

// Both ways a unit's phases go to its node: one script (the default), one exec each.
describe.each([
  { batchPhases: true, mode: 'one script per unit' },
  { batchPhases: false, mode: 'one exec per phase' },
])('crash-resume, $mode', ({ batchPhases }) => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({
      batchPhases,
      controllers: 2,
      computes: 6,
      strategy: '{ kind: rolling, batch: 3, auto: true, soak: 0s }',
      concurrency: 3,
    });
    for (const node of lab.fleet.nodes) lab.fleet.behave(node.name, { slowMs: 120 });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('a drover killed with SIGKILL mid-wave is resumed by the next one, and no unit is upgraded twice', async () => {
    const total = () => lab.fleet.nodes.reduce((sum, node) => sum + lab.fleet.upgrades(node.name).length, 0);
    const first = drover(lab, ['upgrade', 'start', 'havana', '--env', 'lab', '--wait']);
    const deadline = Date.now() + 60_000;
    while (total() < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(total()).toBeGreaterThanOrEqual(5);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(total()).toBeLessThan(10);

    const second = await drover(lab, ['upgrade', 'resume', '--env', 'lab', '--wait', '--json']).done;
    expect(second.code, second.out).toBe(0);
    const status = JSON.parse(second.out.slice(second.out.indexOf('{')));
    expect(status.state).toBe('completed');
    for (const node of lab.fleet.nodes) {
      const lines = lab.fleet.upgrades(node.name);
      const services = node.name.startsWith('ctl') ? ['keystone', 'nova-api'] : ['nova-compute'];
      expect(lines.map((line) => line.split(' ')[0]).sort(), node.name).toEqual(services);
    }
  }, 120_000);
});

// A command that never connects does not load the SSH library: the runtime every command opens
// imports node-ssh (and ssh2 with it) only at the first connection. ssh2 is CommonJS, so once
// loaded it shows in the require cache; the same probe after importing node-ssh shows it there.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;
const RUNTIME = new URL('../../src/cli/runtime.ts', import.meta.url).href;

/** The ssh2 files in the require cache of a process that imported `modules`, in order. */
function ssh2Loaded(modules: string[]): boolean {
  const script = `
for (const m of ${JSON.stringify(modules)}) await import(m);
const { createRequire } = await import('node:module');
const cache = createRequire(process.cwd() + '/').cache;
console.log(JSON.stringify(Object.keys(cache).some((file) => file.includes('/node_modules/ssh2/'))));`;
  const child = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: new URL('../..', import.meta.url).pathname,
  });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim()) as boolean;
}

describe('lazy imports', () => {
  it('the runtime of plan and status loads no SSH library until a node is connected', () => {
    expect(ssh2Loaded([RUNTIME])).toBe(false);
    expect(ssh2Loaded([RUNTIME, 'node-ssh'])).toBe(true);
  }, 60_000);
});

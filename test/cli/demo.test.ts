import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../support/lab.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).pathname;

function drover(
  args: string[],
  options: { input?: string; cwd?: string } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'drover-cli-')),
      env: { ...process.env, DATABASE_URL: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(options.input ?? '');
  });
}

describe('drover demo', () => {
  it('runs the scripted upgrade to completion: plan, failure, bisected culprit and author, ack, fix, completion', async () => {
    const { code, out, err } = await drover(['demo']);
    expect(code, err).toBe(0);
    expect(out).toContain('wave  service       nodes');
    expect(out).toMatch(
      /State: paused — wave \d+: 1 of 1 failed \(maxFailures 0\): cmp-1 failed health \(exit 1\)/,
    );
    expect(out).toMatch(
      /Offending commit: `[0-9a-f]{7}` nova-compute: switch the libvirt driver to async I\/O — by @Alice \(bisected in \d probe\(s\)\)/,
    );
    expect(out).toContain('bisecting: 3 steps left, 8 commits on cmp-1');
    expect(out).toContain('only operators may rollback');
    expect(out).toContain('acknowledged by Alice: mine: async I/O needs libvirt 1.2; pushing a fix');
    expect(out).toMatch(/State: completed — all \d+ waves done/);
    // nova's schema: expanded before nova-api's first unit, contracted once every unit is done.
    expect(out).toMatch(/hook +nova-api +ctl-1 +pre of nova-api/);
    const expand = out.indexOf('pre hook of nova-api on ctl-1: done — nova-manage db expand');
    const contract = out.indexOf('post hook of nova-api on ctl-1: done — nova-manage db contract');
    expect(expand).toBeGreaterThan(0);
    expect(contract).toBeGreaterThan(out.indexOf('failed health (exit 1)'));
    expect(expand).toBeLessThan(contract);
    expect(out).toMatch(
      /── done in [\d.]+s: completed, the failure attributed to [0-9a-f]{7} by Alice Liddell/,
    );
  }, 120_000);
});

describe('drover console in a pipe', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ strategy: '{ kind: all-at-once }' });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('answers a scripted session: a permission refusal, a usage error, and an upgrade to completion', async () => {
    const input = [
      'as alice /upgrade start havana',
      'upgrade start',
      'upgrade frobnicate',
      'start havana',
      'as nobody status',
      'status',
      '',
    ].join('\n');
    const { code, out, err } = await drover(['console', '--config', lab.configPath], {
      input,
      cwd: lab.root,
    });
    expect(code, err).toBe(0);
    expect(out).toContain('Alice> /upgrade start havana\n  ↪ (only you) only operators may start');
    expect(out).toContain('↪ (only you) say which release. usage: /upgrade start <release>');
    expect(out).toContain('unknown verb "frobnicate"');
    expect(out).toContain('no person "nobody" in people: (Alice)');
    expect(out).toMatch(/✔ Upgrade #1: lab → havana[\s\S]*State: completed/);
    expect(out).toMatch(/status\n {2}↪ \(only you\) upgrade #1 lab → havana \(all-at-once\): completed/);
  }, 120_000);
});

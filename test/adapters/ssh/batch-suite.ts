// A unit's phases as one script (ssh.batchPhases): each phase's result must read exactly as
// the same phase run on its own, the gate must stop before drain, the watchdog must still
// end a phase at its timeout. Run against every test fleet (runner-suite.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createNodeRunner } from '../../../src/adapters/ssh/transport.js';
import type { BatchStep, PhaseCommand, VersionGate } from '../../../src/engine/ports.js';
import type { Phase, PhaseResult } from '../../../src/engine/types.js';
import type { Subject } from './runner-suite.js';

const command = (phase: Phase, text: string, timeoutMs = 10_000): PhaseCommand => ({
  phase,
  text,
  timeoutMs,
});
const gate = (over: Partial<VersionGate> = {}): VersionGate => ({
  stopNames: ['havana', 'icehouse'],
  stopShas: ['0123456789abcdef0123456789abcdef01234567'],
  goNames: ['grizzly'],
  goShas: ['89abcdef0123456789abcdef0123456789abcdef'],
  ...over,
});
const comparable = ({ durationMs: _, ...rest }: PhaseResult) => rest;

export function batchSuite(subject: Subject): void {
  // The openssh transport sends one exec per phase whatever ssh.batchPhases says.
  if (subject.transport !== 'node-ssh') return;
  const runner = (batchPhases = true) =>
    createNodeRunner({
      ssh: {
        user: subject.fleet().user,
        port: 22,
        privateKey: subject.fleet().clientKeyPath,
        agent: false,
        knownHosts: subject.fleet().knownHostsPath,
        connectTimeout: 5_000,
        keepalive: 15_000,
        keepOpen: 0,
        concurrency: 4,
        batchPhases,
        outputTail: 1024,
        transport: 'node-ssh',
        config: 'none',
        jump: [],
      },
      redact: [],
    });
  const node = (index: number) => subject.fleet().nodes[index]!;

  const phases = (marker: string) => [
    command('drain', `echo drained; echo to-err >&2; touch ${marker}-drain`),
    command('upgrade', `printf 'no newline'; touch ${marker}-upgrade`),
    command('health', 'echo unhealthy; printf "db down\\n\\n" >&2; exit 7'),
    command('undrain', `touch ${marker}-undrain`),
  ];

  it('without ssh.batchPhases, the runner offers no batch', async () => {
    const session = await runner(false).open(node(0));
    expect(session.runBatch).toBeUndefined();
    await session.close();
  });

  it('a batch reports each phase exactly as separate execs do, and stops at the failing health', async () => {
    const r = runner();
    const marker = `/tmp/drover-batch-${process.pid}-${Date.now()}`;
    const version = command('version', 'printf "grizzly\\n\\n"');
    const seen: BatchStep[] = [];
    const session = await r.open(node(0));
    const batch = await session.runBatch!({ version, gate: gate(), phases: phases(marker) }, (step) =>
      seen.push(step),
    );
    await session.close();
    expect(batch.stopped).toBe(false);
    expect(batch.steps.map((step) => step.phase)).toEqual(['version', 'drain', 'upgrade', 'health']);
    expect(seen).toEqual(batch.steps);
    expect(existsSync(`${marker}-upgrade`)).toBe(true);
    expect(existsSync(`${marker}-undrain`)).toBe(false);
    // The same commands one exec each.
    const separate = await r.open(node(1));
    const alone = [await separate.run(version)];
    for (const phase of phases(`${marker}-alone`).slice(0, 3)) alone.push(await separate.run(phase));
    await separate.close();
    expect(batch.steps.map((step) => comparable(step.result))).toEqual(alone.map(comparable));
    expect(batch.steps[3]!.result).toMatchObject({
      exitCode: 7,
      stdoutTail: 'unhealthy\n',
      stderrTail: 'db down\n\n',
      interrupted: null,
    });
    await r.close();
  });

  for (const [version, why] of [
    ['havana', 'the target'],
    ['0123456', 'a prefix of the target commit'],
    ['folsom', 'a release it does not know'],
    ['grizzly extra', 'more than one word'],
    ['', 'nothing'],
  ] as const) {
    it(`the gate stops before drain on ${why} ("${version}")`, async () => {
      const r = runner();
      const marker = `/tmp/drover-gate-${process.pid}-${Date.now()}`;
      const session = await r.open(node(0));
      const batch = await session.runBatch!(
        { version: command('version', `echo '${version}'`), gate: gate(), phases: phases(marker) },
        () => undefined,
      );
      await session.close();
      expect(batch.stopped).toBe(true);
      expect(batch.steps).toHaveLength(1);
      expect(batch.steps[0]!.result).toMatchObject({ exitCode: 0, stdoutTail: `${version}\n` });
      expect(existsSync(`${marker}-drain`)).toBe(false);
      await r.close();
    });
  }

  it('the gate lets a commit of the range through by its prefix, and a failed version stops', async () => {
    const r = runner();
    const marker = `/tmp/drover-range-${process.pid}-${Date.now()}`;
    const session = await r.open(node(0));
    const through = await session.runBatch!(
      { version: command('version', 'echo 89abcdef0'), gate: gate(), phases: phases(marker).slice(0, 1) },
      () => undefined,
    );
    expect(through.steps.map((step) => [step.phase, step.result.exitCode])).toEqual([
      ['version', 0],
      ['drain', 0],
    ]);
    expect(readFileSync(join(`${marker}-drain`), 'utf8')).toBe('');
    const failed = await session.runBatch!(
      { version: command('version', 'echo broken >&2; exit 2'), gate: gate(), phases: phases(`${marker}-x`) },
      () => undefined,
    );
    expect(failed.steps).toHaveLength(1);
    expect(failed.steps[0]!.result).toMatchObject({ exitCode: 2, stderrTail: 'broken\n' });
    expect(existsSync(`${marker}-x-drain`)).toBe(false);
    await session.close();
    await r.close();
  });

  it('a phase of a batch times out under the watchdog, as on its own', async () => {
    const r = runner();
    const session = await r.open(node(0));
    const batch = await session.runBatch!(
      { phases: [command('drain', 'true'), command('upgrade', 'echo slow; sleep 30', 1_000)] },
      () => undefined,
    );
    await session.close();
    expect(batch.steps.map((step) => step.phase)).toEqual(['drain', 'upgrade']);
    expect(batch.steps[1]!.result).toMatchObject({
      exitCode: null,
      interrupted: 'timeout',
      stdoutTail: 'slow\n',
    });
    expect(batch.steps[1]!.result.durationMs).toBeLessThan(10_000);
    await r.close();
  });
}

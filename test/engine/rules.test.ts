// The rules the engine keeps (PRODUCT.md, "Rules the engine keeps"), each over real SSH on
// the in-process fleet: dependencies that failed hold their dependents with a reason, a unit
// at the target proves health, skew is checked at the version probe, rollback runs in reverse
// dependency order, and tolerated failures end `completed_with_failures`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitExitCode } from '../../src/cli/upgrade-command.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

/** Drives until the upgrade rests, or gives up after a minute (a hang is a failed test, not a stuck run). */
const driveAtMost = (id: number) => lab!.engine.drive(id, 'resting', AbortSignal.timeout(60_000));

describe('dependencies', () => {
  it('pause with a reason naming the waiting service, the failed units and the verbs when a tolerated prerequisite failed', async () => {
    lab = await startLab({ computes: 2, strategy: '{ kind: all-at-once, maxFailures: 10 }' });
    for (const node of ['ctl-1', 'ctl-2'])
      writeFileSync(join(lab.fleet.dirOf(node), 'fail-health-nova-api'), '');
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    let snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('paused');
    expect(snapshot.upgrade.reason).toMatch(/nova-compute waits for nova-api/);
    expect(snapshot.upgrade.reason).toMatch(/nova-api on ctl-1, nova-api on ctl-2 failed/);
    expect(snapshot.upgrade.reason).toMatch(/`retry <node>` or `skip <node>`/);
    expect(lab.fleet.upgrades('cmp-01')).toEqual([]);

    await lab.engine.upgrades.skip(OPS, { environment: 'lab' }, 'ctl-1');
    await lab.engine.upgrades.skip(OPS, { environment: 'lab' }, 'ctl-2');
    snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed_with_failures');
    expect(snapshot.upgrade.reason).toMatch(/nova-api on ctl-1 skipped/);
    expect(waitExitCode('start', snapshot)).toBe(3);
    expect(lab.fleet.upgrades('cmp-01')).toHaveLength(1);
  }, 120_000);
});

describe('version tolerance', () => {
  it('runs health once on a unit found at the target, and fails it when health fails', async () => {
    lab = await startLab({ computes: 2, strategy: '{ kind: all-at-once, maxFailures: 10 }' });
    const dir = lab.fleet.dirOf('cmp-01');
    writeFileSync(join(dir, 'state', 'nova-compute.version'), 'havana\n');
    writeFileSync(join(dir, 'fail-health-nova-compute'), '');
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await driveAtMost(started.upgrade.id);
    const unit = snapshot.units.find((u) => u.node === 'cmp-01')!;
    expect(unit).toMatchObject({ state: 'failed', phase: 'health' });
    expect(lab.fleet.upgrades('cmp-01')).toEqual([]);
    expect(snapshot.failures.find((f) => f.nodes.includes('cmp-01'))).toMatchObject({
      kind: 'phase',
      phase: 'health',
    });
    expect(snapshot.upgrade.state).toBe('completed_with_failures');
  }, 120_000);

  it('does not touch a unit whose version is not a release it upgrades from: a skew failure, no culprit', async () => {
    lab = await startLab({ computes: 2, strategy: '{ kind: all-at-once, maxFailures: 10 }' });
    const plan = await lab.engine.upgrades.plan('havana', { environment: 'lab' });
    expect(plan.skew.find((s) => s.service === 'nova-compute')!.before).toEqual({ unknown: 2 });
    writeFileSync(join(lab.fleet.dirOf('cmp-02'), 'state', 'nova-compute.version'), 'folsom\n');
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await driveAtMost(started.upgrade.id);
    expect(lab.fleet.upgrades('cmp-02')).toEqual([]);
    expect(snapshot.units.find((u) => u.node === 'cmp-02')).toMatchObject({
      state: 'failed',
      phase: 'version',
    });
    const failure = snapshot.failures.find((f) => f.nodes.includes('cmp-02'))!;
    expect(failure).toMatchObject({ kind: 'skew', culprit: null });
    expect(failure.outputTail).toMatch(/nova-compute runs "folsom"/);
    expect(failure.outputTail).toMatch(/bring it to grizzly before havana/);
    expect(lab.fleet.upgrades('cmp-01')).toHaveLength(1);
  }, 120_000);
});

describe('rollback', () => {
  it('goes in reverse dependency order, newest wave first, and keeps maxUnavailable', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'drover-rollback-')), 'rollback.log');
    const note = (what: string) => `echo "${what} $(date +%s%N)" {{service}} {{node}} >> ${log}`;
    lab = await startLab({
      computes: 6,
      concurrency: 6,
      strategy: '{ kind: waves, waves: [1, 50%, 100%], auto: true, soak: 0s, maxUnavailable: 2 }',
      phases: {
        rollback: `${note('start')}; sleep 0.3; sh bin/upgrade {{service}} {{fromCommit}}; ${note('end')}`,
      },
    });
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    let snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed');
    await lab.engine.upgrades.rollback(OPS, { environment: 'lab' }, 'all');
    snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('rolled_back');

    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const events = lines
      .map(([what, at, service, node]) => ({ what: what!, at: BigInt(at!), service: service!, node: node! }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const waveOf = (service: string, node: string) =>
      snapshot.units.find((u) => u.service === service && u.node === node)!.wave;
    const finishedBefore = (a: string, b: string) => {
      const lastEnd = Math.max(...events.flatMap((e, i) => (e.what === 'end' && e.service === a ? [i] : [])));
      const firstStart = Math.min(
        ...events.flatMap((e, i) => (e.what === 'start' && e.service === b ? [i] : [])),
      );
      expect(lastEnd, `${a} rolled back before ${b}`).toBeLessThan(firstStart);
    };
    finishedBefore('nova-compute', 'nova-api');
    finishedBefore('nova-api', 'keystone');
    // Newest wave first within a service, and never more than two nodes of a role out at once.
    let running = 0;
    let lastWave = Number.POSITIVE_INFINITY;
    for (const event of events.filter((e) => e.service === 'nova-compute')) {
      running += event.what === 'start' ? 1 : -1;
      expect(running).toBeLessThanOrEqual(2);
      if (event.what === 'start') {
        const wave = waveOf(event.service, event.node);
        expect(wave).toBeLessThanOrEqual(lastWave);
        lastWave = wave;
      }
    }
  }, 180_000);
});

describe('infrastructure', () => {
  it('records an unreachable node as infrastructure: no culprit, the address and cause, one failure for one cause, retry works once back', async () => {
    lab = await startLab({ computes: 3, strategy: '{ kind: all-at-once, maxFailures: 10 }' });
    await lab.fleet.down('cmp-02');
    await lab.fleet.down('cmp-03');
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    let snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed_with_failures');
    expect(snapshot.failures).toHaveLength(1);
    const [failure] = snapshot.failures;
    expect(failure).toMatchObject({ kind: 'infrastructure', culprit: null });
    expect(failure!.nodes.sort()).toEqual(['cmp-02', 'cmp-03']);
    const port = lab.fleet.nodes.find((n) => n.name === 'cmp-02')!.port;
    expect(failure!.outputTail).toContain(`could not reach cmp-02 (127.0.0.1:${port}): connection refused`);

    await lab.fleet.up('cmp-02');
    await lab.fleet.up('cmp-03');
    await lab.engine.upgrades.retry(OPS, { environment: 'lab' }, 'cmp-02');
    await lab.engine.upgrades.retry(OPS, { environment: 'lab' }, 'cmp-03');
    snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed');
    expect(snapshot.failures[0]!.state).toBe('resolved');
    expect(lab.fleet.upgrades('cmp-02')).toHaveLength(1);
  }, 120_000);

  it('gives up on a unit whose connection drops three times during health with a failure naming the phase and count; retry runs health and undrain', async () => {
    // The fleet drops a connection as an exec matching `on` starts: one exec per phase here.
    lab = await startLab({
      computes: 2,
      strategy: '{ kind: all-at-once, maxFailures: 10 }',
      batchPhases: false,
    });
    lab.fleet.behave('cmp-01', { drop: { on: /bin\/health/, afterMs: 0 } });
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    let snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed_with_failures');
    const failure = snapshot.failures.find((f) => f.nodes.includes('cmp-01'))!;
    expect(failure).toMatchObject({ kind: 'infrastructure', phase: 'health', culprit: null });
    expect(failure.outputTail).toMatch(/interrupted 3 times during health/);
    expect(snapshot.units.find((u) => u.node === 'cmp-01')).toMatchObject({
      state: 'failed',
      phase: 'health',
    });

    lab.fleet.behave('cmp-01', {});
    await lab.engine.upgrades.retry(OPS, { environment: 'lab' }, 'cmp-01');
    snapshot = await driveAtMost(started.upgrade.id);
    expect(snapshot.upgrade.state).toBe('completed');
    expect(lab.fleet.upgrades('cmp-01')).toHaveLength(1);
    const phases = readFileSync(join(lab.fleet.dirOf('cmp-01'), 'phases.log'), 'utf8')
      .trim()
      .split('\n');
    expect(phases.at(-1)).toBe('undrain nova-compute');
  }, 120_000);
});

// The upgrade's whole choreography over real SSH (the simulated fleet): per-service phases,
// prechecks, pre hooks before a service's first unit, post hooks after the last one in reverse
// dependency order and never after an abort, a failing pre hook that `retry hook` continues.
// Every hook and phase appends to one log shared by the nodes: the fleet's own timeline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/adapters/ssh/runner.js';
import { statusJson } from '../../src/cli/json.js';
import { createAttributor } from '../../src/engine/attribution.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

/** The shared log of a lab's nodes. */
const logs = new WeakMap<Lab, string>();

function timeline(lab: Lab): string[] {
  try {
    return readFileSync(logs.get(lab)!, 'utf8').split('\n').filter(Boolean);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Services whose phases and hooks write to the shared timeline (its path is filled in later). */
const SERVICES = (logPath: string, preExtra = '') => {
  const say = (text: string) => `echo ${text} >> ${logPath}`;
  const hooks = (service: string) =>
    `{ pre: "${preExtra}${say(`pre ${service} {{node}}`)}", post: "${say(`post ${service} {{node}}`)}", rollback: "${say(`rollback-hook ${service} {{node}}`)}" }`;
  const phases = (service: string, upgrade = `upgrade ${service}`) =>
    `{ upgrade: "${say(`${upgrade} {{node}}`)} && sh bin/upgrade {{service}} {{commit}}", rollback: "${say(`rollback ${service} {{node}}`)} && sh bin/upgrade {{service}} {{fromCommit}}" }`;
  return `  keystone:
    roles: [controller]
    paths: [keystone/]
    phases: ${phases('keystone')}
    hooks: ${hooks('keystone')}
  nova-api:
    roles: [controller]
    after: [keystone]
    paths: [nova/api/]
    phases: ${phases('nova-api')}
    hooks: ${hooks('nova-api')}
  nova-compute:
    roles: [compute]
    after: [nova-api]
    paths: [nova/compute/]
    phases: ${phases('nova-compute', 'upgrade-compute')}
    hooks: ${hooks('nova-compute')}`;
};

const PRECHECK = (logPath: string) =>
  `hooks:\n  precheck: "if [ -f fail-precheck ]; then echo disk full on {{node}} >&2; exit 3; fi; echo precheck {{node}} >> ${logPath}"\n`;

async function lab(
  options: { strategy?: string; preExtra?: string; attribute?: boolean } = {},
): Promise<Lab> {
  const path = join(mkdtempSync(join(tmpdir(), 'drover-timeline-')), 'timeline.log');
  const started = await startLab({
    controllers: 2,
    computes: 2,
    strategy: options.strategy ?? '{ kind: rolling, batch: 1, auto: true, soak: 0s }',
    services: SERVICES(path, options.preExtra),
    extra: PRECHECK(path),
    ...(options.attribute
      ? {
          attributor: ({ config, commits }) =>
            createAttributor({ config, commits, runner: createSshRunner({ ssh: config.ssh, redact: [] }) }),
        }
      : {}),
  });
  logs.set(started, path);
  return started;
}

describe('the choreography of an upgrade, over SSH', { timeout: 180_000 }, () => {
  let current: Lab | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it('prechecks every node, runs pre hooks once before each service, per-service commands, post hooks in reverse order', async () => {
    current = await lab();
    const started = await current.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    expect(started.hooks.filter((hook) => hook.name === 'precheck').map((hook) => hook.state)).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    const snapshot = await current.engine.drive(started.upgrade.id, 'terminal');
    expect(snapshot.upgrade.state).toBe('completed');
    const lines = timeline(current);
    const at = (line: string) => lines.indexOf(line);
    const first = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix));
    const last = (prefix: string) => lines.findLastIndex((line) => line.startsWith(prefix));

    // Prechecks on every node before anything else.
    expect(lines.slice(0, 4).sort()).toEqual([
      'precheck cmp-01',
      'precheck cmp-02',
      'precheck ctl-1',
      'precheck ctl-2',
    ]);
    // Each pre hook once, on the service's first node, right before the service's first unit.
    for (const [service, node, upgrade] of [
      ['keystone', 'ctl-1', 'upgrade keystone'],
      ['nova-api', 'ctl-1', 'upgrade nova-api'],
      ['nova-compute', 'cmp-01', 'upgrade-compute'],
    ] as const) {
      expect(lines.filter((line) => line.startsWith(`pre ${service}`))).toEqual([`pre ${service} ${node}`]);
      expect(at(`pre ${service} ${node}`)).toBeLessThan(first(upgrade));
    }
    expect(at('pre nova-api ctl-1')).toBeGreaterThan(last('upgrade keystone'));
    expect(at('pre nova-compute cmp-01')).toBeGreaterThan(last('upgrade nova-api'));
    // nova-compute ran its own upgrade command, the others theirs.
    expect(lines.filter((line) => line.startsWith('upgrade-compute')).sort()).toEqual([
      'upgrade-compute cmp-01',
      'upgrade-compute cmp-02',
    ]);
    // Post hooks once each, after the last unit, in reverse dependency order.
    const posts = lines.filter((line) => line.startsWith('post '));
    expect(posts).toEqual(['post nova-compute cmp-01', 'post nova-api ctl-1', 'post keystone ctl-1']);
    expect(at(posts[0]!)).toBeGreaterThan(last('upgrade-compute'));
    expect(lines.filter((line) => line.startsWith('rollback'))).toEqual([]);

    const json = statusJson(snapshot);
    expect(json.hooks.filter((hook) => hook.name === 'rollback').map((hook) => hook.state)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect(json.hooks.filter((hook) => hook.name === 'pre' || hook.name === 'post')).toEqual(
      ['pre', 'pre', 'pre', 'post', 'post', 'post'].map((name) =>
        expect.objectContaining({ name, state: 'done', exitCode: 0 }),
      ),
    );
  });

  it('rollback all runs each rollback hook after its service’s units, before the services it comes after', async () => {
    current = await lab();
    const started = await current.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    expect((await current.engine.drive(started.upgrade.id, 'terminal')).upgrade.state).toBe('completed');
    await current.engine.upgrades.rollback(OPS, { upgradeId: started.upgrade.id }, 'all');
    const ended = await current.engine.drive(started.upgrade.id, 'terminal');
    expect(ended.upgrade.state).toBe('rolled_back');
    const lines = timeline(current).filter((line) => line.startsWith('rollback'));
    const hooks = lines.filter((line) => line.startsWith('rollback-hook'));
    expect(hooks).toEqual([
      'rollback-hook nova-compute cmp-01',
      'rollback-hook nova-api ctl-1',
      'rollback-hook keystone ctl-1',
    ]);
    const at = (line: string) => lines.indexOf(line);
    const lastOf = (prefix: string) => lines.findLastIndex((line) => line.startsWith(prefix));
    const firstOf = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix));
    expect(at(hooks[0]!)).toBeGreaterThan(lastOf('rollback nova-compute'));
    expect(at(hooks[0]!)).toBeLessThan(firstOf('rollback nova-api'));
    expect(at(hooks[1]!)).toBeGreaterThan(lastOf('rollback nova-api'));
    expect(at(hooks[1]!)).toBeLessThan(firstOf('rollback keystone'));
    expect(at(hooks[2]!)).toBeGreaterThan(lastOf('rollback keystone'));
  });

  it('never runs post hooks after an abort', async () => {
    current = await lab({ strategy: '{ kind: rolling, batch: 1 }' });
    const started = await current.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const gated = await current.engine.drive(started.upgrade.id);
    expect(gated.waves[0]?.state).toBe('gated');
    await current.engine.upgrades.abort(OPS, { environment: 'lab' });
    const ended = await current.engine.drive(started.upgrade.id, 'terminal');
    expect(ended.upgrade.state).toBe('aborted');
    expect(timeline(current).filter((line) => line.startsWith('post '))).toEqual([]);
    expect(timeline(current)).toContain('pre keystone ctl-1');
  });

  it('a precheck failing on one node starts nothing and names the node and its output', async () => {
    current = await lab();
    writeFileSync(join(current.fleet.dirOf('cmp-02'), 'fail-precheck'), '');
    await expect(current.engine.upgrades.start(OPS, 'havana', { environment: 'lab' })).rejects.toThrow(
      /precheck failed on 1 of 4 node\(s\): cmp-02; nothing started\n {2}cmp-02 \(exit 3\): disk full on cmp-02/,
    );
    expect(await current.database.store.active('lab')).toEqual([]);
    expect(current.fleet.nodes.flatMap((node) => current!.fleet.upgrades(node.name))).toEqual([]);
  });

  it('a failing pre hook pauses the upgrade with a hook failure; `retry hook` continues', async () => {
    current = await lab({
      preExtra: 'test ! -f fail-pre || { echo expand failed >&2; exit 4; }; ',
      attribute: true,
    });
    writeFileSync(join(current.fleet.dirOf('ctl-1'), 'fail-pre'), '');
    const started = await current.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const paused = await current.engine.drive(started.upgrade.id);
    expect(paused.upgrade).toMatchObject({ state: 'paused', pausedBy: 'hook' });
    expect(paused.upgrade.reason).toMatch(
      /pre hook of keystone \(on ctl-1\) failed \(exit 4\): `retry hook`/,
    );
    expect(paused.failures).toEqual([
      expect.objectContaining({
        kind: 'hook',
        phase: 'hook',
        service: 'keystone',
        nodes: ['ctl-1'],
        exitCode: 4,
      }),
    ]);
    expect(paused.failures[0]?.outputTail).toContain('expand failed');
    // Not bisected: the suspects are the release's commits touching keystone's paths.
    expect(paused.failures[0]?.culprit?.how).toBe('suspects');
    expect(paused.failures[0]?.culprit?.suspects.map((commit) => commit.subject)).toEqual([
      'keystone: havana release notes',
      'keystone: pki tokens',
      'keystone: token cache defaults for havana',
    ]);
    expect(paused.units.every((unit) => unit.state === 'pending')).toBe(true);
    await expect(current.engine.upgrades.resume(OPS, { environment: 'lab' })).rejects.toThrow(/retry hook/);

    rmSync(join(current.fleet.dirOf('ctl-1'), 'fail-pre'));
    await current.engine.upgrades.retry(OPS, { environment: 'lab' }, 'hook');
    const done = await current.engine.drive(started.upgrade.id, 'terminal');
    expect(done.upgrade.state).toBe('completed');
    expect(done.failures[0]?.state).toBe('resolved');
    expect(timeline(current).filter((line) => line.startsWith('pre keystone'))).toEqual([
      'pre keystone ctl-1',
    ]);
  });
});

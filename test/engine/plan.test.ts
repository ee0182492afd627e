import { describe, expect, it } from 'vitest';
import { makePlan, unavailableLimits } from '../../src/engine/plan.js';
import { cumulativeWaves } from '../../src/engine/strategy.js';
import { openstackConfig } from '../support/config.js';

const none = new Map<string, Map<string, string>>();
const versions = (entries: Array<[string, string, string]>) => {
  const map = new Map<string, Map<string, string>>();
  for (const [node, service, version] of entries)
    map.set(node, (map.get(node) ?? new Map()).set(service, version));
  return map;
};

describe('planner', () => {
  it('orders services by their after: graph and upgrades every node of one before the next', () => {
    const plan = makePlan({
      config: openstackConfig(),
      environment: 'lab',
      release: 'havana',
      options: {},
      versions: none,
    });
    expect(plan.order).toEqual(['keystone', 'nova-api', 'nova-compute']);
    expect(plan.waves.map((w) => w.service)).toEqual([
      'keystone',
      'keystone',
      'nova-api',
      'nova-api',
      'nova-compute',
      'nova-compute',
      'nova-compute',
      'nova-compute',
    ]);
    expect(plan.waves.every((w) => w.units.length === 1)).toBe(true);
  });

  it('is deterministic: the same inputs give the same plan', () => {
    const input = {
      config: openstackConfig({ computes: 9 }),
      environment: 'lab',
      release: 'havana',
      options: { strategy: 'waves' as const },
      versions: none,
    };
    expect(makePlan(input)).toEqual(makePlan(input));
  });

  it('rolling batches take N or N% of the service’s nodes', () => {
    const config = openstackConfig({ computes: 10 });
    const byTwo = makePlan({
      config,
      environment: 'lab',
      release: 'havana',
      options: { batch: 3 },
      versions: none,
    });
    expect(byTwo.waves.filter((w) => w.service === 'nova-compute').map((w) => w.units.length)).toEqual([
      3, 3, 3, 1,
    ]);
    const byPercent = makePlan({
      config,
      environment: 'lab',
      release: 'havana',
      options: { batch: '50%' },
      versions: none,
    });
    expect(byPercent.waves.filter((w) => w.service === 'nova-compute').map((w) => w.units.length)).toEqual([
      5, 5,
    ]);
  });

  it('staged waves are cumulative, each at least one more than the last, the first the canary', () => {
    expect(cumulativeWaves([1, '10%', '50%', '100%'], 20)).toEqual([1, 2, 10, 20]);
    expect(cumulativeWaves([1, '10%', '50%', '100%'], 3)).toEqual([1, 2, 3]);
    expect(cumulativeWaves([1, '10%'], 5)).toEqual([1, 2, 5]);
    const plan = makePlan({
      config: openstackConfig({ computes: 20 }),
      environment: 'lab',
      release: 'havana',
      options: { strategy: 'waves' },
      versions: none,
    });
    const compute = plan.waves.filter((w) => w.service === 'nova-compute');
    expect(compute.map((w) => w.units.length)).toEqual([1, 1, 8, 10]);
    expect(compute[0]!.why).toContain('canary');
  });

  it('all-at-once puts every unit in one wave, in dependency order', () => {
    const plan = makePlan({
      config: openstackConfig(),
      environment: 'lab',
      release: 'havana',
      options: { strategy: 'all-at-once' },
      versions: none,
    });
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0]!.units.map((u) => u.service)).toEqual([
      'keystone',
      'keystone',
      'nova-api',
      'nova-api',
      'nova-compute',
      'nova-compute',
      'nova-compute',
      'nova-compute',
    ]);
  });

  it('skips units already at the target and says so; a mixed fleet is normal input', () => {
    const plan = makePlan({
      config: openstackConfig(),
      environment: 'lab',
      release: 'havana',
      options: {},
      versions: versions([
        ['cmp-2', 'nova-compute', 'havana'],
        ['cmp-1', 'nova-compute', 'grizzly'],
      ]),
    });
    expect(plan.skipped).toEqual([
      { service: 'nova-compute', node: 'cmp-2', version: 'havana', why: 'already at havana' },
    ]);
    expect(plan.waves.flatMap((w) => w.units).some((u) => u.node === 'cmp-2')).toBe(false);
  });

  it('a pinned deploy skips only units at its commit: the release name may be an older commit of it', () => {
    const commit = 'c0ffee0123456789c0ffee0123456789c0ffee01';
    const plan = makePlan({
      config: openstackConfig(),
      environment: 'lab',
      release: 'havana',
      options: { commit, strategy: 'all-at-once' },
      versions: versions([
        ['cmp-1', 'nova-compute', 'havana'],
        ['cmp-2', 'nova-compute', commit],
        ['cmp-3', 'nova-compute', 'beef0123456789beef0123456789beef01234567'],
      ]),
      commit,
    });
    expect(plan.pinned).toBe(true);
    expect(plan.skipped).toEqual([
      { service: 'nova-compute', node: 'cmp-2', version: commit, why: 'already at c0ffee0' },
    ]);
    const planned = plan.waves.flatMap((w) => w.units).filter((u) => u.service === 'nova-compute');
    expect(planned.map((u) => u.node).sort()).toEqual(['cmp-1', 'cmp-3', 'cmp-4']);
  });

  it('refuses a plan that skips a release, naming service, node and version', () => {
    expect(() =>
      makePlan({
        config: openstackConfig(),
        environment: 'lab',
        release: 'icehouse',
        options: {},
        versions: versions([['cmp-3', 'nova-compute', 'grizzly']]),
      }),
    ).toThrow(/nova-compute on cmp-3 runs grizzly; icehouse upgrades from havana/);
  });

  it('refuses a plan that would leave services more than maxSkew releases apart', () => {
    const config = openstackConfig();
    const all = ['ctl-1', 'ctl-2'].flatMap(
      (n) =>
        [
          [n, 'keystone', 'havana'],
          [n, 'nova-api', 'havana'],
        ] as Array<[string, string, string]>,
    );
    const fleet = versions([
      ...all,
      ['cmp-1', 'nova-compute', 'havana'],
      ['cmp-2', 'nova-compute', 'havana'],
      ['cmp-3', 'nova-compute', 'havana'],
      ['cmp-4', 'nova-compute', 'havana'],
    ]);
    expect(
      makePlan({ config, environment: 'lab', release: 'icehouse', options: {}, versions: fleet }).waves
        .length,
    ).toBeGreaterThan(0);
    const strict = { ...config, releases: { ...config.releases, maxSkew: 0 } };
    expect(() =>
      makePlan({ config: strict, environment: 'lab', release: 'icehouse', options: {}, versions: fleet }),
    ).toThrow(/maxSkew 0/);
  });

  it('refuses a newer node than the target', () => {
    expect(() =>
      makePlan({
        config: openstackConfig(),
        environment: 'lab',
        release: 'havana',
        options: {},
        versions: versions([['ctl-1', 'keystone', 'icehouse']]),
      }),
    ).toThrow(/keystone on ctl-1 runs icehouse, newer than havana/);
  });

  it('refuses an availability floor of 0, and lets a percentage floor take at least one node per role', () => {
    const zero = openstackConfig({ strategy: '{ kind: rolling, maxUnavailable: 0 }' });
    expect(() =>
      makePlan({ config: zero, environment: 'lab', release: 'havana', options: {}, versions: none }),
    ).toThrow(/maxUnavailable 0 allows no node/);
    const tenPercent = openstackConfig({ strategy: '{ kind: rolling, maxUnavailable: 10% }' });
    const plan = makePlan({
      config: tenPercent,
      environment: 'lab',
      release: 'havana',
      options: {},
      versions: none,
    });
    expect(unavailableLimits(plan.strategy, tenPercent.environments.lab!.nodes).get('controller')).toBe(1);
  });

  it('rejects unknown releases and environments', () => {
    expect(() =>
      makePlan({
        config: openstackConfig(),
        environment: 'lab',
        release: 'diablo',
        options: {},
        versions: none,
      }),
    ).toThrow(/unknown release "diablo"/);
    expect(() =>
      makePlan({
        config: openstackConfig(),
        environment: 'prod',
        release: 'havana',
        options: {},
        versions: none,
      }),
    ).toThrow(/unknown environment "prod"/);
  });
});

// strategy.by: waves one label value at a time, the canary's value first, unlabelled nodes
// last; maxUnavailable per value; node names in natural order.
import { describe, expect, it } from 'vitest';
import { planTable } from '../../src/bot/render/text.js';
import { parseConfig } from '../../src/config/load.js';
import { naturalSort } from '../../src/engine/natural.js';
import { makePlan, unavailableLimits } from '../../src/engine/plan.js';

function config(strategy: string, canary?: string) {
  const zones: Array<[string, string | undefined]> = [
    ['cmp-1', 'eu-2'],
    ['cmp-2', 'eu-10'],
    ['cmp-3', 'eu-2'],
    ['cmp-10', 'eu-1'],
    ['cmp-11', 'eu-1'],
    ['cmp-12', undefined],
    ['cmp-9', 'eu-10'],
    ['cmp-4', 'eu-2'],
  ];
  const nodes = zones.map(
    ([name, zone], index) =>
      `      - { name: ${name}, host: 10.0.0.${index + 1}, roles: [compute]${zone ? `, labels: { zone: ${zone} }` : ''} }`,
  );
  return parseConfig(
    `ssh: { user: stack, knownHosts: /dev/null }
services:
  nova-compute: { roles: [compute] }
releases:
  repo: /srv/deploy
  order: [grizzly, havana]
  grizzly: { ref: stable/grizzly }
  havana:  { ref: stable/havana, from: grizzly }
phases:
  version: bin/version {{service}}
  upgrade: bin/upgrade {{service}} {{commit}}
  rollback: bin/upgrade {{service}} {{fromCommit}}
environments:
  prod:
    strategy: ${strategy}
${canary ? `    canary: ${canary}\n` : ''}    nodes:
${nodes.join('\n')}
operators: { slack: [U0OPS] }
`,
    'drover.yaml',
    {},
  );
}
const plan = (strategy: string, canary?: string) =>
  makePlan({
    config: config(strategy, canary),
    environment: 'prod',
    release: 'havana',
    options: {},
    versions: new Map(),
  });
const nodesOf = (p: ReturnType<typeof plan>) => p.waves.map((wave) => wave.units.map((unit) => unit.node));

describe('strategy.by', () => {
  it('walks zones one at a time in natural order, nodes without the label last', () => {
    const p = plan('{ kind: rolling, batch: 2, by: zone }');
    expect(nodesOf(p)).toEqual([
      ['cmp-10', 'cmp-11'],
      ['cmp-1', 'cmp-3'],
      ['cmp-4'],
      ['cmp-2', 'cmp-9'],
      ['cmp-12'],
    ]);
    expect(p.waves.map((wave) => wave.why)).toEqual([
      'nova-compute zone=eu-1 batch 1/1; no dependencies',
      'nova-compute zone=eu-2 batch 1/2; no dependencies',
      'nova-compute zone=eu-2 batch 2/2; no dependencies',
      'nova-compute zone=eu-10 batch 1/1; no dependencies',
      'nova-compute no zone label batch 1/1; no dependencies (nodes without a zone label go last)',
    ]);
    expect(planTable(p)).toContain(
      'by zone: one value at a time — eu-1, eu-2, eu-10; then 1 node(s) without a zone label, last: cmp-12',
    );
  });

  it('starts with the canary’s zone and applies waves within each zone', () => {
    const p = plan('{ kind: waves, waves: [1, 100%], by: zone }', 'cmp-9');
    expect(nodesOf(p)).toEqual([
      ['cmp-9'],
      ['cmp-2'],
      ['cmp-10'],
      ['cmp-11'],
      ['cmp-1'],
      ['cmp-3', 'cmp-4'],
      ['cmp-12'],
    ]);
    expect(p.waves[0]!.why).toBe('nova-compute zone=eu-10 canary; no dependencies');
    expect(planTable(p)).toContain("by zone: one value at a time — eu-10 (the canary's), eu-1, eu-2");
    // all-at-once: one wave per zone.
    expect(nodesOf(plan('{ kind: all-at-once, by: zone }'))).toEqual([
      ['cmp-10', 'cmp-11'],
      ['cmp-1', 'cmp-3', 'cmp-4'],
      ['cmp-2', 'cmp-9'],
      ['cmp-12'],
    ]);
  });

  it('limits unavailability per zone', () => {
    const c = config('{ kind: all-at-once, maxUnavailable: 50%, by: zone }');
    const p = makePlan({
      config: c,
      environment: 'prod',
      release: 'havana',
      options: {},
      versions: new Map(),
    });
    expect(Object.fromEntries(unavailableLimits(p.strategy, c.environments.prod!.nodes))).toEqual({
      'compute zone=eu-2': 1,
      'compute zone=eu-10': 1,
      'compute zone=eu-1': 1,
      'compute no zone label': 1,
    });
  });

  it('leaves plans without `by` as they were, names sorted naturally', () => {
    expect(nodesOf(plan('{ kind: rolling, batch: 3 }'))).toEqual([
      ['cmp-1', 'cmp-2', 'cmp-3'],
      ['cmp-4', 'cmp-9', 'cmp-10'],
      ['cmp-11', 'cmp-12'],
    ]);
    expect(naturalSort(['n10', 'n2', 'n1', 'N3', 'n2a'])).toEqual(['n1', 'n2', 'n2a', 'N3', 'n10']);
  });
});

// Hooks in the plan: where each runs and in which order, as `plan` shows them (text and JSON).
import { describe, expect, it } from 'vitest';
import { planTable } from '../../src/bot/render/text.js';
import { planJson } from '../../src/cli/json.js';
import { EXAMPLE_CONFIG } from '../../src/config/example.js';
import { parseConfig } from '../../src/config/load.js';
import { makePlan } from '../../src/engine/plan.js';

const WITH_HOOKS = EXAMPLE_CONFIG.replace(
  '  nova-api:     { roles: [controller], after: [keystone], paths: [nova/api/] }',
  '  nova-api:     { roles: [controller], after: [keystone], paths: [nova/api/], hooks: { pre: pin-rpc, post: unpin-rpc } }',
);

function plan(yaml: string, versions = new Map<string, Map<string, string>>()) {
  const config = parseConfig(yaml, 'drover.yaml', { HOME: '/home/ops' });
  return makePlan({ config, environment: 'production', release: 'havana', options: {}, versions });
}

describe('hooks in the plan', () => {
  it('prechecks every node, each pre hook before its service’s first wave, post and rollback hooks in reverse order', () => {
    const planned = plan(WITH_HOOKS);
    const json = planJson(planned);
    const computeWave = planned.waves.find((wave) => wave.service === 'nova-compute')!.index + 1;
    const apiWave = planned.waves.find((wave) => wave.service === 'nova-api')!.index + 1;
    expect(json.hooks).toEqual([
      ...['ctl-1', 'ctl-2', 'cmp-1', 'cmp-2', 'cmp-3'].map((node) => ({
        name: 'precheck',
        service: null,
        node,
        beforeWave: null,
      })),
      { name: 'pre', service: 'nova-api', node: 'ctl-1', beforeWave: apiWave },
      { name: 'pre', service: 'nova-compute', node: 'cmp-1', beforeWave: computeWave },
      { name: 'post', service: 'nova-compute', node: 'cmp-1', beforeWave: null },
      { name: 'post', service: 'nova-api', node: 'ctl-1', beforeWave: null },
      { name: 'rollback', service: 'nova-compute', node: 'cmp-1', beforeWave: null },
    ]);
    const table = planTable(planned).split('\n');
    const row = (text: RegExp) => table.findIndex((line) => text.test(line));
    expect(row(/^hook +\* +ctl-1 ctl-2 cmp-1 cmp-2 cmp-3 +precheck on every node/)).toBeGreaterThan(0);
    expect(row(/^hook +nova-compute +cmp-1 +pre of nova-compute/)).toBe(
      row(new RegExp(`^${computeWave} +nova-compute`)) - 1,
    );
    expect(row(/^hook +nova-compute +cmp-1 +post of nova-compute/)).toBeLessThan(
      row(/^hook +nova-api +ctl-1 +post of nova-api/),
    );
    expect(table).toContain('on rollback all: rollback hook of nova-compute on cmp-1');
  });

  it('runs a service’s hooks on the canary when it runs the service, and none for a service with nothing to do', () => {
    const withCanary = WITH_HOOKS.replace('    requireAck: true', '    canary: cmp-3\n    requireAck: true');
    const atTarget = new Map([
      ['ctl-1', new Map([['nova-api', 'havana']])],
      ['ctl-2', new Map([['nova-api', 'havana']])],
    ]);
    const hooks = planJson(plan(withCanary, atTarget)).hooks.filter((hook) => hook.name !== 'precheck');
    expect(hooks.map((hook) => `${hook.name} ${hook.service} ${hook.node}`)).toEqual([
      'pre nova-compute cmp-3',
      'post nova-compute cmp-3',
      'rollback nova-compute cmp-3',
    ]);
  });
});

// Per-service phases and hooks in drover.yaml: what validate refuses and what a service runs.
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG } from '../../src/config/example.js';
import { parseConfig } from '../../src/config/load.js';
import { hookCommand, phasesOf, serviceCommand } from '../../src/engine/service-phases.js';
import { ConfigError } from '../../src/errors.js';

function issues(text: string): string[] {
  try {
    parseConfig(text, 'drover.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('per-service phases and hooks', () => {
  const config = parseConfig(EXAMPLE_CONFIG, 'drover.yaml', { HOME: '/home/ops' });

  it('a service runs its own template where it has one, the global one elsewhere', () => {
    const values = { service: 'nova-compute', commit: 'abc' };
    expect(serviceCommand(config, 'nova-compute', 'upgrade', values)).toEqual({
      phase: 'upgrade',
      text: "/opt/deploy/bin/upgrade-compute 'abc'",
      timeoutMs: 1_200_000,
    });
    expect(serviceCommand(config, 'nova-compute', 'health', values)?.text).toBe(
      "/opt/deploy/bin/health 'nova-compute'",
    );
    expect(serviceCommand(config, 'keystone', 'upgrade', { service: 'keystone', commit: 'abc' })?.text).toBe(
      "/opt/deploy/bin/upgrade 'keystone' 'abc'",
    );
  });

  it('timeouts and health retries override key by key', () => {
    const yaml = EXAMPLE_CONFIG.replace(
      '      healthRetries: 5',
      '      timeouts: { health: 1m, default: 2m }\n      healthRetries: 5',
    );
    const own = phasesOf(parseConfig(yaml, 'drover.yaml', {}), 'nova-compute');
    expect(own.timeouts).toMatchObject({
      health: 60_000,
      upgrade: 1_200_000,
      drain: 120_000,
      hook: 1_800_000,
    });
    expect(own).toMatchObject({ healthRetries: 5, healthIntervalMs: 10_000 });
    expect(phasesOf(config, 'keystone')).toMatchObject({ healthRetries: 0, healthIntervalMs: 5_000 });
    expect(phasesOf(config, 'keystone').timeouts).toMatchObject({ drain: 300_000, hook: 1_800_000 });
  });

  it('hooks render like phases; unset ones are undefined', () => {
    expect(hookCommand(config, 'pre', 'nova-compute', { node: 'cmp-1' })).toEqual({
      phase: 'hook',
      text: 'nova-manage db expand',
      timeoutMs: 1_800_000,
    });
    expect(hookCommand(config, 'precheck', null, { node: 'cmp-1' })?.text).toBe(
      "/opt/deploy/bin/precheck 'cmp-1'",
    );
    expect(hookCommand(config, 'pre', 'keystone', { node: 'ctl-1' })).toBeUndefined();
    expect(hookCommand(config, 'pre', 'constructor', { node: 'ctl-1' })).toBeUndefined();
  });

  it.each([
    [
      'a service phase',
      EXAMPLE_CONFIG.replace('upgrade-compute {{commit}}', 'upgrade-compute {{comit}}'),
      /^drover\.yaml:\d+:7: services\.nova-compute\.phases\.upgrade: unknown template value \{\{comit\}\}/,
    ],
    [
      'a hook',
      EXAMPLE_CONFIG.replace('nova-manage db contract', 'nova-manage db contract {{nodes}}'),
      /services\.nova-compute\.hooks\.post: unknown template value \{\{nodes\}\}/,
    ],
    [
      'the precheck',
      EXAMPLE_CONFIG.replace('precheck {{node}}', 'precheck {{node}} {{service}}'),
      /hooks\.precheck: the precheck runs once per node, for no one service/,
    ],
    [
      'an unknown hook',
      EXAMPLE_CONFIG.replace('      post: nova-manage', '      after: nova-manage'),
      /services\.nova-compute\.hooks\.after: unknown key "after"/,
    ],
    [
      'a negative healthRetries',
      EXAMPLE_CONFIG.replace('healthRetries: 0 ', 'healthRetries: -1 '),
      /phases\.healthRetries: /,
    ],
  ])('validate checks %s', (_what, text, expected) => {
    const found = issues(text);
    expect(
      found.some((line) => expected.test(line)),
      found.join('\n'),
    ).toBe(true);
  });
});

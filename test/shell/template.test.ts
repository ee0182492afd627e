import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceCommand } from '../../src/engine/service-phases.js';
import { renderTemplate, shellQuote } from '../../src/shell/template.js';
import { openstackConfig } from '../support/config.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a rendered command for real with /bin/sh and returns its stdout. */
const sh = (text: string) => execFileSync('/bin/sh', ['-c', text], { cwd: dir }).toString();

describe('shellQuote', () => {
  it('single-quotes, a quote becoming quote-backslash-quote-quote', () => {
    expect(shellQuote('havana')).toBe(`'havana'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('renderTemplate', () => {
  it('makes every value one quoted word, also inside a longer word', () => {
    expect(renderTemplate('/srv/{{node}}/bin --x={{ service }}', { node: 'n1', service: 'nova api' })).toBe(
      `/srv/'n1'/bin --x='nova api'`,
    );
  });

  it('throws naming an unknown placeholder, or a known one with no value', () => {
    expect(() => renderTemplate('x {{nodeDir}}/bin', { node: 'n1' })).toThrow(/\{\{nodeDir\}\}/);
    expect(() => renderTemplate('x {{node_dir}}', { node: 'n1' })).toThrow(/\{\{node_dir\}\}/);
    expect(() => renderTemplate('x {{toString}}', {})).toThrow(/\{\{toString\}\}/);
    expect(() => renderTemplate('x {{commit}}', { node: 'n1' })).toThrow(/\{\{commit\}\} has no value/);
  });

  const pwned = join(dir, 'pwned');
  const attacks = [
    `havana; touch ${pwned}`,
    `$(touch ${pwned})`,
    `\`touch ${pwned}\``,
    `x'; touch ${pwned}; '`,
    `'$(touch ${pwned})'`,
    `a\ntouch ${pwned}`,
    `"; touch ${pwned}; "`,
    `\\'; touch ${pwned} #`,
    `*`,
  ];
  it.each(attacks)('runs nothing extra for %j', (value) => {
    const out = sh(
      renderTemplate('printf "%s|" {{release}} /srv/{{node}}/bin', { release: value, node: value }),
    );
    expect(out).toBe(`${value}|/srv/${value}/bin|`);
    expect(existsSync(pwned)).toBe(false);
  });
});

describe('serviceCommand', () => {
  it('renders a phase with its timeout, the default otherwise; undefined for an unconfigured optional phase', () => {
    const config = openstackConfig({ extra: '' });
    const withTimeouts = {
      ...config,
      phases: { ...config.phases, timeouts: { default: 300_000, upgrade: 1_200_000 } },
    };
    expect(
      serviceCommand(withTimeouts, 'keystone', 'upgrade', { service: 'keystone', commit: 'abc' }),
    ).toEqual({
      phase: 'upgrade',
      text: `bin/upgrade 'keystone' 'abc'`,
      timeoutMs: 1_200_000,
    });
    expect(serviceCommand(withTimeouts, 'keystone', 'health', { service: 'keystone' })?.timeoutMs).toBe(
      300_000,
    );
    const { drain: _d, health: _h, undrain: _u, ...rest } = withTimeouts.phases;
    const minimal = { ...withTimeouts, phases: rest };
    expect(serviceCommand(minimal, 'keystone', 'drain', { service: 'keystone' })).toBeUndefined();
    expect(serviceCommand(minimal, 'keystone', 'health', { service: 'keystone' })).toBeUndefined();
    expect(serviceCommand(minimal, 'keystone', 'undrain', { service: 'keystone' })).toBeUndefined();
  });
});

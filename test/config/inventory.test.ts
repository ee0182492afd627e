// Nodes from inventories: Ansible INI (kolla-ansible's multinode layout), Ansible YAML
// (openstack-ansible's groups), and commands printing JSON — each to a plan.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planTable } from '../../src/bot/render/text.js';
import { summarize } from '../../src/cli/validate.js';
import { expandRange, parseIni } from '../../src/config/inventory/ini.js';
import { parseConfig } from '../../src/config/load.js';
import { makePlan } from '../../src/engine/plan.js';
import { ConfigError } from '../../src/errors.js';

const here = join(import.meta.dirname, 'inventories');
const scratch = mkdtempSync(join(tmpdir(), 'drover-inventory-'));
/** A command printing `data` as JSON (written to a file, so no quoting gets in the way). */
const printing = (name: string, data: unknown) => {
  writeFileSync(join(scratch, name), JSON.stringify(data));
  return `cat ${join(scratch, name)}`;
};

function yaml(environment: string): string {
  return `ssh: { user: stack, knownHosts: /dev/null }
services:
  keystone:     { roles: [controller] }
  nova-compute: { roles: [compute], after: [keystone] }
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
${environment}
operators: { slack: [U0OPS] }
`;
}

const load = (environment: string) => parseConfig(yaml(environment), join(here, 'drover.yaml'), {});
const plan = (environment: string) => {
  const config = load(environment);
  return makePlan({ config, environment: 'prod', release: 'havana', options: {}, versions: new Map() });
};
const issues = (environment: string): string[] => {
  try {
    load(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('inventories', () => {
  it('reads a kolla-ansible multinode INI: groups, children, ranges, host and group vars', () => {
    const config = load(
      `    inventory: { ansible: kolla-multinode.ini, roles: { controller: [nova], compute: [nova-compute] } }`,
    );
    const nodes = config.environments.prod!.nodes;
    expect(nodes.map((node) => node.name)).toEqual([
      'control01',
      'control02',
      'control03',
      'compute01',
      'compute02',
      'compute10',
    ]);
    expect(nodes.find((node) => node.name === 'control02')).toEqual({
      name: 'control02',
      host: 'control02',
      user: 'kolla',
      roles: ['controller'],
      labels: {},
    });
    expect(nodes.find((node) => node.name === 'compute10')).toEqual({
      name: 'compute10',
      host: '10.0.2.10',
      port: 2222,
      user: 'kolla',
      roles: ['compute'],
      labels: { zone: 'az 3', rack: 'r7' },
    });
    const table = planTable(
      plan(
        `    inventory: { ansible: kolla-multinode.ini, roles: { controller: [nova], compute: [nova-compute] } }`,
      ),
    );
    expect(table).toContain(`nodes: 0 from nodes:, 6 from ansible ${join(here, 'kolla-multinode.ini')}`);
    // Natural order: compute2 before compute10.
    expect(table).toMatch(/nova-compute +compute01 /);
    expect(table.indexOf('compute02')).toBeLessThan(table.indexOf('compute10'));
  });

  it('reads an openstack-ansible style YAML inventory, beside nodes: listed by hand', () => {
    const environment = `    inventory: { ansible: openstack-ansible.yml, roles: { controller: [os-infra_hosts], compute: [compute_hosts] } }
    nodes:
      - { name: extra-1, host: 172.29.236.99, roles: [compute] }`;
    const config = load(environment);
    const nodes = config.environments.prod!.nodes;
    expect(nodes.map((node) => node.name)).toEqual([
      'extra-1',
      'infra1',
      'infra2',
      'infra3',
      'compute1',
      'compute2',
    ]);
    expect(nodes.find((node) => node.name === 'compute2')).toEqual({
      name: 'compute2',
      host: '172.29.236.22',
      port: 2022,
      user: 'root',
      roles: ['compute'],
      labels: { region: 'RegionOne', zone: 'a' },
    });
    expect(nodes.find((node) => node.name === 'infra2')?.labels).toEqual({ region: 'RegionOne', zone: 'b' });
    expect(summarize(config, 'drover.yaml')).toContain(
      `nodes: 1 from nodes:, 5 from ansible ${join(here, 'openstack-ansible.yml')}`,
    );
    const waves = plan(environment).waves;
    expect(waves.map((wave) => wave.units.map((unit) => unit.node))).toEqual([
      ['infra1'],
      ['infra2'],
      ['infra3'],
      ['compute1'],
      ['compute2'],
      ['extra-1'],
    ]);
  });

  it('runs a command printing Ansible’s --list format, or a list of nodes', () => {
    const listed = load(
      `    inventory: { command: ./list-inventory.sh, roles: { controller: [control], compute: [compute] } }`,
    );
    expect(listed.environments.prod!.nodes).toEqual([
      { name: 'ctl-1', host: '192.0.2.11', roles: ['controller'], labels: { zone: 'z1' } },
      {
        name: 'cmp-1',
        host: '192.0.2.21',
        port: 2200,
        roles: ['compute'],
        labels: { zone: 'z1', rack: 'r1' },
      },
      { name: 'cmp-2', host: '192.0.2.22', roles: ['compute'], labels: { zone: 'z2', rack: 'r1' } },
    ]);
    const list = printing('list.json', [
      { name: 'n10', host: '10.1.0.10', roles: ['compute'], labels: { zone: 'b' } },
      { name: 'n2', host: '10.1.0.2', port: 2222, user: 'ops', roles: ['compute'] },
      { name: 'c1', host: '10.1.0.1', roles: ['controller'] },
    ]);
    const environment = `    inventory: { command: "${list}" }`;
    expect(load(environment).environments.prod!.nodes.map((node) => node.name)).toEqual(['n10', 'n2', 'c1']);
    const table = planTable(plan(environment));
    expect(table).toContain(`nodes: 0 from nodes:, 3 from command ${list}`);
    expect(table.indexOf(' n2')).toBeLessThan(table.indexOf(' n10'));
  });

  it('reports a failing command, bad output and the first bad entry as config errors', () => {
    expect(issues(`    inventory: { command: "echo no such inventory >&2; exit 3" }`)).toEqual([
      'environments.prod.inventory.command: inventory: `echo no such inventory >&2; exit 3` exited 3: no such inventory',
    ]);
    expect(issues(`    inventory: { command: "echo not json" }`)[0]).toMatch(
      /exited 0 but did not print JSON/,
    );
    const bad = printing('bad.json', [
      { name: 'ok', host: 'h1', roles: ['compute'] },
      { name: 'bad', host: 'h2', roles: 'compute' },
      { name: 'worse' },
    ]);
    expect(issues(`    inventory: { command: "${bad}" }`)).toEqual([
      expect.stringMatching(/entry 1 \(\{"name":"bad".*\) is bad: roles: .*array/),
    ]);
    expect(
      issues(`    inventory: { ansible: kolla-multinode.ini, roles: { controller: [controllers] } }`),
    ).toEqual([
      expect.stringMatching(
        /roles\.controller: the inventory has no group "controllers" \(groups: .*control,/,
      ),
    ]);
  });

  it('refuses the same name or address from two sources', () => {
    const environment = `    inventory: { ansible: openstack-ansible.yml, roles: { controller: [os-infra_hosts], compute: [compute_hosts] } }
    nodes:
      - { name: infra1, host: 10.9.9.9, roles: [controller] }
      - { name: other, host: 172.29.236.21, roles: [compute] }`;
    expect(issues(environment)).toEqual([
      expect.stringMatching(
        /^environments\.prod\.inventory: duplicate node name "infra1" \(ansible .*openstack-ansible\.yml: infra1; also nodes\.0\)$/,
      ),
      expect.stringMatching(
        /^environments\.prod\.inventory: duplicate node address 172\.29\.236\.21:22 \(.*compute1; also nodes\.1\)$/,
      ),
    ]);
  });

  it('parses INI details: host:port, quoting, ranges, vars sections', () => {
    expect(expandRange('cmp[08:10].example')).toEqual(['cmp08.example', 'cmp09.example', 'cmp10.example']);
    expect(expandRange('n-[a:c]')).toEqual(['n-a', 'n-b', 'n-c']);
    const inventory = parseIni(`top ansible_host=1.2.3.4
[g]
h1 note="two words" ansible_port=22 # comment
[g:vars]
x=1
[parent:children]
g
`);
    expect(inventory.hostVars.get('h1')).toEqual({ note: 'two words', ansible_port: '22' });
    expect(inventory.groups.get('ungrouped')?.hosts).toEqual(new Set(['top']));
    expect(inventory.groups.get('parent')?.children).toEqual(new Set(['g']));
    expect(inventory.groups.get('g')?.vars).toEqual({ x: '1' });
    expect(() => parseIni('[g]\nh1 broken')).toThrow('line 2: expected key=value, not "broken"');
  });
});

describe('a config with no nodes at all', () => {
  it('is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-inv-'));
    writeFileSync(join(dir, 'empty.ini'), '[control]\n');
    expect(() =>
      parseConfig(
        yaml('    inventory: { ansible: empty.ini, roles: { controller: [control] } }'),
        join(dir, 'drover.yaml'),
        {},
      ),
    ).toThrow(/environments\.prod\.nodes: no nodes/);
  });
});

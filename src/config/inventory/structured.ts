// Ansible's structured inventories: the YAML file format (`all: { hosts, vars, children }`,
// nested) and the JSON that `ansible-inventory --list` and dynamic inventory scripts print
// (`{ group: { hosts: [], vars: {}, children: [] }, _meta: { hostvars: {} } }`).
import { InventoryError } from '../../errors.js';
import { addHost, emptyInventory, group, type Inventory, type Vars } from './model.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The YAML format: every top-level key is a group, usually just `all`. */
export function parseYamlInventory(data: unknown): Inventory {
  if (!isObject(data)) throw new InventoryError('expected a mapping of groups at the top (all: …)');
  const inventory = emptyInventory();
  group(inventory, 'all');
  const walk = (name: string, spec: unknown, path: string) => {
    const mine = group(inventory, name);
    if (spec === null || spec === undefined) return;
    if (!isObject(spec)) throw new InventoryError(`${path}: expected hosts:, vars: or children:`);
    for (const key of Object.keys(spec))
      if (!['hosts', 'vars', 'children'].includes(key))
        throw new InventoryError(`${path}: unknown key "${key}" (expected hosts, vars, children)`);
    if (spec.hosts !== undefined && spec.hosts !== null) {
      if (!isObject(spec.hosts)) throw new InventoryError(`${path}.hosts: expected a mapping of hosts`);
      for (const [host, vars] of Object.entries(spec.hosts)) {
        if (vars !== null && !isObject(vars))
          throw new InventoryError(`${path}.hosts.${host}: expected variables`);
        addHost(inventory, name, host, (vars ?? {}) as Vars);
      }
    }
    if (spec.vars !== undefined && spec.vars !== null) {
      if (!isObject(spec.vars)) throw new InventoryError(`${path}.vars: expected a mapping`);
      Object.assign(mine.vars, spec.vars);
    }
    if (spec.children !== undefined && spec.children !== null) {
      if (!isObject(spec.children))
        throw new InventoryError(`${path}.children: expected a mapping of groups`);
      for (const [child, childSpec] of Object.entries(spec.children)) {
        mine.children.add(child);
        walk(child, childSpec, `${path}.children.${child}`);
      }
    }
  };
  for (const [name, spec] of Object.entries(data)) walk(name, spec, name);
  return inventory;
}

/** `ansible-inventory --list` JSON (a group may also be a plain list of hosts). */
export function parseListInventory(data: unknown): Inventory {
  if (!isObject(data)) throw new InventoryError('expected an object of groups (ansible-inventory --list)');
  const inventory = emptyInventory();
  group(inventory, 'all');
  const meta = data._meta;
  const hostvars = isObject(meta) && isObject(meta.hostvars) ? meta.hostvars : {};
  for (const [name, spec] of Object.entries(data)) {
    if (name === '_meta') continue;
    const mine = group(inventory, name);
    const hosts = Array.isArray(spec) ? spec : isObject(spec) ? (spec.hosts ?? []) : undefined;
    if (!Array.isArray(hosts)) throw new InventoryError(`group ${name}: expected a list of hosts`);
    for (const host of hosts) {
      if (typeof host !== 'string')
        throw new InventoryError(`group ${name}: host ${JSON.stringify(host)} is not a name`);
      const vars = hostvars[host];
      addHost(inventory, name, host, isObject(vars) ? vars : {});
    }
    if (isObject(spec)) {
      if (isObject(spec.vars)) Object.assign(mine.vars, spec.vars);
      if (Array.isArray(spec.children))
        for (const child of spec.children) if (typeof child === 'string') mine.children.add(child);
    }
  }
  // Hosts only in _meta.hostvars belong to `all`.
  for (const [host, vars] of Object.entries(hostvars))
    if (!inventory.hostVars.has(host)) addHost(inventory, 'ungrouped', host, isObject(vars) ? vars : {});
  return inventory;
}

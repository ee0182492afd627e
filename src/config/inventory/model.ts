// An Ansible inventory as drover reads it, whatever its format (INI, YAML, `--list` JSON):
// groups with their hosts, child groups and variables, and each host's own variables.
// `nodesOf` turns it into drover nodes through the environment's `roles:` mapping.
import { InventoryError } from '../../errors.js';

export type Vars = Record<string, unknown>;

export interface Group {
  hosts: Set<string>;
  children: Set<string>;
  vars: Vars;
}

export interface Inventory {
  groups: Map<string, Group>;
  hostVars: Map<string, Vars>;
}

export function emptyInventory(): Inventory {
  return { groups: new Map(), hostVars: new Map() };
}

export function group(inventory: Inventory, name: string): Group {
  let found = inventory.groups.get(name);
  if (!found) {
    found = { hosts: new Set(), children: new Set(), vars: {} };
    inventory.groups.set(name, found);
  }
  return found;
}

export function addHost(inventory: Inventory, groupName: string, host: string, vars: Vars): void {
  group(inventory, groupName).hosts.add(host);
  inventory.hostVars.set(host, { ...inventory.hostVars.get(host), ...vars });
}

/** A node as `nodes:` would list it (validated by the config schema afterwards). */
export interface InventoryNode {
  name: string;
  host: string;
  port?: number;
  user?: string;
  roles: string[];
  labels: Record<string, string>;
}

const CONNECTION_VARS = new Set([
  'ansible_host',
  'ansible_ssh_host',
  'ansible_port',
  'ansible_ssh_port',
  'ansible_user',
  'ansible_ssh_user',
]);

/** Every group holding `host`, directly or through child groups, with its depth below `all`. */
function groupsOf(inventory: Inventory, host: string): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const [name, spec] of inventory.groups)
    for (const child of spec.children) parents.set(child, [...(parents.get(child) ?? []), name]);
  const found = new Map<string, number>();
  const queue = [...inventory.groups].filter(([, spec]) => spec.hosts.has(host)).map(([name]) => name);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (found.has(name)) continue;
    found.set(name, 0);
    queue.push(...(parents.get(name) ?? []));
  }
  const depth = (name: string, seen: Set<string> = new Set()): number => {
    if (seen.has(name)) return 0;
    seen.add(name);
    const above = (parents.get(name) ?? []).map((parent) => depth(parent, seen) + 1);
    return above.length > 0 ? Math.max(...above) : 0;
  };
  for (const name of found.keys()) found.set(name, depth(name));
  return found;
}

const scalar = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;

/**
 * The inventory's hosts that have a drover role: a host has a role when one of the role's
 * groups holds it (directly or through children). Variables merge as Ansible's do (`all`, then
 * groups by depth, then the host's own); `ansible_host`/`_port`/`_user` address the node and
 * every other scalar variable not named `ansible_*` becomes a label.
 */
export function nodesOf(inventory: Inventory, roles: Record<string, string[]>): InventoryNode[] {
  const known = new Set(inventory.groups.keys());
  for (const [role, groups] of Object.entries(roles))
    for (const name of groups)
      if (!known.has(name))
        throw new InventoryError(
          `roles.${role}: the inventory has no group "${name}" (groups: ${[...known].sort().join(', ')})`,
        );
  const nodes: InventoryNode[] = [];
  for (const host of inventory.hostVars.keys()) {
    const member = groupsOf(inventory, host);
    const mine = Object.entries(roles)
      .filter(([, groups]) => groups.some((name) => member.has(name)))
      .map(([role]) => role);
    if (mine.length === 0) continue;
    const ordered = [...member]
      .sort(([a, da], [b, db]) => da - db || a.localeCompare(b))
      .map(([name]) => name);
    const vars: Vars = { ...inventory.groups.get('all')?.vars };
    for (const name of ordered) Object.assign(vars, inventory.groups.get(name)?.vars);
    Object.assign(vars, inventory.hostVars.get(host));
    const address = scalar(vars.ansible_host ?? vars.ansible_ssh_host) ?? host;
    const port = scalar(vars.ansible_port ?? vars.ansible_ssh_port);
    const user = scalar(vars.ansible_user ?? vars.ansible_ssh_user);
    if (port !== undefined && !/^\d{1,5}$/.test(port))
      throw new InventoryError(`host ${host}: ansible_port "${port}" is not a port number`);
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(vars)) {
      const text = scalar(value);
      if (text !== undefined && !key.startsWith('ansible_') && !CONNECTION_VARS.has(key)) labels[key] = text;
    }
    nodes.push({
      name: host,
      host: address,
      ...(port === undefined ? {} : { port: Number(port) }),
      ...(user === undefined ? {} : { user }),
      roles: mine,
      labels,
    });
  }
  return nodes;
}

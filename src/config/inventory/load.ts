// An environment's `inventory:` read at load: an Ansible inventory file (INI or YAML) or a
// command printing JSON (a list of nodes, or Ansible's --list). Its nodes follow those of
// `nodes:`; problems become config issues naming the file or command and the first bad entry.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InventoryError } from '../../errors.js';
import type { PathKey } from '../path.js';
import { type EnvironmentConfig, type InventoryConfig, type NodeConfig, nodeSchema } from '../schema.js';
import { parseIni } from './ini.js';
import { type InventoryNode, nodesOf } from './model.js';
import { parseListInventory, parseYamlInventory } from './structured.js';

const COMMAND_TIMEOUT_MS = 60_000;

export interface InventoryIssue {
  path: PathKey[];
  message: string;
}

/** Where an inventory file lives: `~` expanded, relative to the config file's directory. */
function located(path: string, configDir: string, env: NodeJS.ProcessEnv): string {
  const expanded = path === '~' || path.startsWith('~/') ? `${env.HOME ?? homedir()}${path.slice(1)}` : path;
  return isAbsolute(expanded) ? expanded : resolve(configDir, expanded);
}

function readAnsible(file: string, roles: Record<string, string[]>): InventoryNode[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InventoryError(`cannot read ${file} (${(cause as NodeJS.ErrnoException).code})`);
  }
  // YAML inventories start with a mapping of groups (`all:`); INI with sections or hosts.
  const yamlLike =
    /\.ya?ml$/i.test(file) ||
    /^\s*[A-Za-z0-9_-]+:\s*$/m.test(
      text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '',
    );
  return nodesOf(yamlLike ? parseYamlInventory(parseYaml(text)) : parseIni(text), roles);
}

const listedNode = z.strictObject({
  name: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  roles: z.array(z.string().min(1)).min(1),
  labels: z.record(z.string(), z.string()).optional(),
});

function runCommand(command: string, roles: Record<string, string[]>, configDir: string): InventoryNode[] {
  const ran = spawnSync('/bin/sh', ['-c', command], {
    cwd: configDir,
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  const said = (ran.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  if (ran.error) throw new InventoryError(`\`${command}\` could not run: ${ran.error.message}`);
  if (ran.signal)
    throw new InventoryError(`\`${command}\` was killed by ${ran.signal}${said ? `: ${said}` : ''}`);
  if (ran.status !== 0)
    throw new InventoryError(`\`${command}\` exited ${ran.status}${said ? `: ${said}` : ''}`);
  let data: unknown;
  try {
    data = JSON.parse(ran.stdout);
  } catch (cause) {
    throw new InventoryError(`\`${command}\` exited 0 but did not print JSON (${(cause as Error).message})`);
  }
  if (!Array.isArray(data)) {
    if (Object.keys(roles).length === 0)
      throw new InventoryError(
        `\`${command}\` printed Ansible's --list format: map its groups to drover roles with roles:`,
      );
    try {
      return nodesOf(parseListInventory(data), roles);
    } catch (error) {
      if (error instanceof InventoryError)
        throw new InventoryError(`\`${command}\` exited 0: ${error.message}`);
      throw error;
    }
  }
  return data.map((entry, index) => {
    const parsed = listedNode.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new InventoryError(
        `\`${command}\` exited 0 but entry ${index} (${JSON.stringify(entry).slice(0, 120)}) is bad: ${where}${issue?.message ?? 'invalid'}`,
      );
    }
    return { ...parsed.data, labels: parsed.data.labels ?? {} };
  });
}

/** The environment with its inventory's nodes appended to `nodes`, and what went wrong. */
export function withInventory(
  name: string,
  env: EnvironmentConfig,
  configDir: string,
  processEnv: NodeJS.ProcessEnv,
): { env: EnvironmentConfig; issues: InventoryIssue[] } {
  const inventory: InventoryConfig | undefined = env.inventory;
  if (!inventory) return { env, issues: [] };
  const key = 'ansible' in inventory ? 'ansible' : 'command';
  const path: PathKey[] = ['environments', name, 'inventory', key];
  let found: InventoryNode[];
  let from: string;
  try {
    if ('ansible' in inventory) {
      const file = located(inventory.ansible, configDir, processEnv);
      from = `ansible ${file}`;
      found = readAnsible(file, inventory.roles);
    } else {
      from = `command ${inventory.command}`;
      found = runCommand(inventory.command, inventory.roles, configDir);
    }
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    return { env, issues: [{ path, message: `inventory: ${error.message}` }] };
  }
  const nodes: NodeConfig[] = [];
  for (const node of found) {
    const parsed = nodeSchema.safeParse(node);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        env,
        issues: [
          {
            path,
            message: `inventory (${from}): host ${node.name}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
          },
        ],
      };
    }
    nodes.push(parsed.data);
  }
  return {
    env: {
      ...env,
      nodes: [...env.nodes, ...nodes],
      sources: [...env.sources, { from, count: nodes.length }],
    },
    issues: [],
  };
}

// Checks of meaning that a schema cannot express: cycles, dangling names, duplicates.

import { unknownPlaceholders } from '../shell/template.js';
import { governanceIssues } from './governance.js';
import type { PathKey } from './path.js';
import { cronProblem, timezoneProblem } from './schedule-check.js';
import { type Config, PHASES, releaseEntries } from './schema.js';

export interface SemanticIssue {
  path: PathKey[];
  message: string;
}

export function semanticIssues(config: Config): SemanticIssue[] {
  return [
    ...serviceIssues(config),
    ...releaseIssues(config),
    ...environmentIssues(config),
    ...governanceIssues(config),
    ...templateIssues(config),
    ...(config.operators.slack.length +
      config.operators.discord.length +
      config.operators.discordRoles.length ===
      0 && Object.values(config.environments).some((env) => env.operators === undefined)
      ? [
          {
            path: ['operators'],
            message: 'no operators: list at least one Slack or Discord user who may run upgrades',
          },
        ]
      : []),
  ];
}

const KNOWN = 'known: node, host, service, release, from, ref, commit, fromCommit';

/** Every template of the file (global phases, each service's phases and hooks, the precheck) uses known values only. */
function templateIssues(config: Config): SemanticIssue[] {
  const templates: Array<{ path: PathKey[]; text: string | undefined }> = [
    ...PHASES.map((phase) => ({ path: ['phases', phase], text: config.phases[phase] })),
    { path: ['hooks', 'precheck'], text: config.hooks.precheck },
  ];
  for (const [service, spec] of Object.entries(config.services)) {
    for (const phase of PHASES)
      templates.push({ path: ['services', service, 'phases', phase], text: spec.phases?.[phase] });
    for (const hook of ['pre', 'post', 'rollback'] as const)
      templates.push({ path: ['services', service, 'hooks', hook], text: spec.hooks?.[hook] });
  }
  const issues = templates.flatMap(({ path, text }) =>
    unknownPlaceholders(text ?? '').map((name) => ({
      path,
      message: `unknown template value {{${name}}} (${KNOWN})`,
    })),
  );
  if (config.hooks.precheck !== undefined && usesValue(config.hooks.precheck, 'service'))
    issues.push({
      path: ['hooks', 'precheck'],
      message: 'the precheck runs once per node, for no one service: {{service}} has no value there',
    });
  return issues;
}

function usesValue(template: string, value: string): boolean {
  return new RegExp(`\\{\\{\\s*${value}\\s*\\}\\}`).test(template);
}

function serviceIssues(config: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const names = Object.keys(config.services);
  for (const [service, spec] of Object.entries(config.services)) {
    spec.after.forEach((dependency, index) => {
      if (!names.includes(dependency)) {
        issues.push({
          path: ['services', service, 'after', index],
          message: `unknown service "${dependency}" (known: ${names.join(', ')})`,
        });
      }
    });
  }
  const cycle = findCycle(config.services);
  if (cycle) {
    issues.push({
      path: ['services', cycle[0]!, 'after'],
      message: `dependency cycle: ${cycle.join(' → ')}`,
    });
  }
  const roles = new Set(
    Object.values(config.environments).flatMap((env) => env.nodes.flatMap((node) => node.roles)),
  );
  for (const [service, spec] of Object.entries(config.services)) {
    if (!spec.roles.some((role) => roles.has(role))) {
      issues.push({
        path: ['services', service, 'roles'],
        message: `no node in any environment has a role of ${spec.roles.join(', ')}`,
      });
    }
  }
  return issues;
}

/** The first cycle in the `after:` graph, as a closed walk (a → b → a), or undefined. */
export function findCycle(services: Config['services']): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (service: string): string[] | undefined => {
    if (state.get(service) === 'done') return undefined;
    if (state.get(service) === 'visiting') return [...stack.slice(stack.indexOf(service)), service];
    state.set(service, 'visiting');
    stack.push(service);
    // Own entries only: a name from the file never finds `constructor` on Object.prototype.
    const after = Object.hasOwn(services, service) ? (services[service]?.after ?? []) : [];
    for (const dependency of after) {
      if (!Object.hasOwn(services, dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(service, 'done');
    return undefined;
  };
  for (const service of Object.keys(services).sort()) {
    const cycle = visit(service);
    if (cycle) return cycle;
  }
  return undefined;
}

function releaseIssues(config: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const releases = new Map(releaseEntries(config.releases));
  for (const [release, spec] of releases) {
    if (spec.from !== undefined && !releases.has(spec.from)) {
      issues.push({ path: ['releases', release, 'from'], message: `unknown release "${spec.from}"` });
    }
    if (!config.releases.order.includes(release)) {
      issues.push({
        path: ['releases', release],
        message: `release "${release}" is missing from releases.order`,
      });
    }
  }
  config.releases.order.forEach((release, index) => {
    if (!releases.has(release))
      issues.push({
        path: ['releases', 'order', index],
        message: `release "${release}" has no entry (ref) under releases`,
      });
  });
  return issues;
}

function environmentIssues(config: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  for (const [envName, env] of Object.entries(config.environments)) {
    if (env.nodes.length === 0)
      issues.push({
        path: ['environments', envName, 'nodes'],
        message: 'no nodes: list them under nodes:, or name an inventory:',
      });
    const names = new Map<string, string>();
    const addresses = new Map<string, string>();
    // Nodes of `nodes:` come first, then each inventory's (env.sources says how many).
    const listed = env.sources[0]?.from === 'nodes:' ? env.sources[0].count : 0;
    const where = (index: number, key: string): { path: PathKey[]; label: string } => {
      if (index < listed)
        return { path: ['environments', envName, 'nodes', index, key], label: `nodes.${index}` };
      const source = env.sources.at(-1)?.from ?? 'inventory';
      return { path: ['environments', envName, 'inventory'], label: `${source}: ${env.nodes[index]?.name}` };
    };
    env.nodes.forEach((node, index) => {
      const address = `${node.host}:${node.port ?? config.ssh.port}`;
      const here = where(index, 'name');
      const seen = names.get(node.name);
      if (seen !== undefined) {
        issues.push({
          path: here.path,
          message: `duplicate node name "${node.name}" (${here.label}; also ${seen})`,
        });
      } else names.set(node.name, here.label);
      const other = addresses.get(address);
      if (other !== undefined) {
        const at = where(index, 'host');
        issues.push({
          path: at.path,
          message: `duplicate node address ${address} (${at.label}; also ${other})`,
        });
      } else addresses.set(address, here.label);
    });
    if (env.canary !== undefined && !names.has(env.canary)) {
      issues.push({ path: ['environments', envName, 'canary'], message: `unknown node "${env.canary}"` });
    }
    if (env.digest) {
      const zone = timezoneProblem(env.digest.timezone);
      if (zone) issues.push({ path: ['environments', envName, 'digest', 'timezone'], message: zone });
      const cron = cronProblem(env.digest.cron, zone ? 'UTC' : env.digest.timezone);
      if (cron) issues.push({ path: ['environments', envName, 'digest', 'cron'], message: cron });
    }
    const strategy = { ...config.strategy, ...env.strategy };
    if (strategy.kind === 'waves' && !strategy.waves) {
      issues.push({
        path: ['environments', envName, 'strategy'],
        message: 'strategy kind "waves" needs a `waves:` list such as [1, 10%, 50%, 100%]',
      });
    }
  }
  return issues;
}

// Hooks in the plan (PRODUCT.md, "Phases and hooks"): which run, on which node, in which
// order. Pure: the config and the planned waves in, the hooks out.
import type { Config } from '../config/schema.js';
import type { HookRecord, NewHookRun } from './ports.js';
import { hookTemplate } from './service-phases.js';
import type { Plan, PlannedHook, PlannedWave } from './types.js';

/**
 * The plan's hooks in running order: a precheck on every node of the plan; each service's
 * `pre` before its first wave, on its canary node; then `post` hooks in reverse dependency
 * order; `rollback` hooks (run only by `rollback all`) in the same reverse order.
 * A service with no unit in the plan runs none of its hooks.
 */
export function planHooks(
  config: Config,
  environment: string,
  order: string[],
  waves: PlannedWave[],
): PlannedHook[] {
  const hooks: PlannedHook[] = [];
  if (hookTemplate(config, 'precheck', null) !== undefined) {
    const nodes = new Set(waves.flatMap((wave) => wave.units.map((unit) => unit.node)));
    for (const node of nodes) hooks.push({ name: 'precheck', service: null, node, wave: null });
  }
  const after: PlannedHook[] = [];
  const rollback: PlannedHook[] = [];
  for (const service of order) {
    const first = waves.find((wave) => wave.units.some((unit) => unit.service === service));
    if (!first) continue;
    const node = hookNode(config, environment, service, first);
    if (hookTemplate(config, 'pre', service) !== undefined)
      hooks.push({ name: 'pre', service, node, wave: first.index });
    if (hookTemplate(config, 'post', service) !== undefined)
      after.unshift({ name: 'post', service, node, wave: null });
    if (hookTemplate(config, 'rollback', service) !== undefined)
      rollback.unshift({ name: 'rollback', service, node, wave: null });
  }
  return [...hooks, ...after, ...rollback];
}

/** The environment's canary when it runs the service, else the first node of the service's first wave. */
function hookNode(config: Config, environment: string, service: string, first: PlannedWave): string {
  const env = config.environments[environment];
  const roles = config.services[service]?.roles ?? [];
  const canary = env?.nodes.find((node) => node.name === env.canary);
  if (canary?.roles.some((role) => roles.includes(role))) return canary.name;
  return first.units.find((unit) => unit.service === service)!.node;
}

/** One pending run per hook of the plan. */
export function initialHookRuns(plan: Plan): NewHookRun[] {
  return (plan.hooks ?? []).map((hook) => ({
    name: hook.name,
    service: hook.service,
    node: hook.node,
    state: 'pending',
    exitCode: null,
    outputTail: '',
    attempts: 0,
    startedAt: null,
    finishedAt: null,
  }));
}

/** How a hook is named to people: `precheck on cmp-1`, `pre hook of nova-compute (on cmp-1)`. */
export function hookLabel(hook: Pick<HookRecord, 'name' | 'service' | 'node'>): string {
  if (hook.service === null) return `${hook.name} on ${hook.node}`;
  return `${hook.name} hook of ${hook.service} (on ${hook.node})`;
}

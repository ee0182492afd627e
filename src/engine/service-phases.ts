// What a service runs: the global phase templates and timeouts with the service's own
// `services.<name>.phases` laid over them, and its hooks. Pure: the config in, commands out.
import type { Config, HookName } from '../config/schema.js';
import { renderTemplate } from '../shell/template.js';
import type { Command } from './ports.js';
import type { Phase } from './types.js';

export interface ServicePhases {
  templates: Partial<Record<Phase, string>>;
  /** Milliseconds per phase, and per run of a hook. */
  timeouts: Record<Phase | 'hook', number>;
  /** Reruns of `health` until it exits 0, and the wait between two runs. */
  healthRetries: number;
  healthIntervalMs: number;
}

const PHASE_NAMES: readonly Phase[] = ['version', 'drain', 'upgrade', 'health', 'undrain', 'rollback'];

/** The phases of `service`: its own template or timeout where it has one, else the global one. */
export function phasesOf(config: Config, service: string): ServicePhases {
  const own = Object.hasOwn(config.services, service) ? config.services[service]?.phases : undefined;
  const global = config.phases;
  const templates: Partial<Record<Phase, string>> = {};
  for (const phase of PHASE_NAMES) {
    const template = own?.[phase] ?? global[phase];
    if (template !== undefined) templates[phase] = template;
  }
  const fallback = own?.timeouts?.default ?? global.timeouts.default;
  const timeout = (key: Phase | 'hook') => own?.timeouts?.[key] ?? global.timeouts[key] ?? fallback;
  return {
    templates,
    timeouts: {
      version: timeout('version'),
      drain: timeout('drain'),
      upgrade: timeout('upgrade'),
      health: timeout('health'),
      undrain: timeout('undrain'),
      rollback: timeout('rollback'),
      hook: timeout('hook'),
    },
    healthRetries: own?.healthRetries ?? global.healthRetries,
    healthIntervalMs: own?.healthInterval ?? global.healthInterval,
  };
}

/** The command of `phase` for a unit of `service`, or undefined when the phase is not configured. */
export function serviceCommand(
  config: Config,
  service: string,
  phase: Phase,
  values: Record<string, string>,
): Command | undefined {
  const phases = phasesOf(config, service);
  const template = phases.templates[phase];
  if (template === undefined) return undefined;
  return { phase, text: renderTemplate(template, values), timeoutMs: phases.timeouts[phase] };
}

/** The template of a hook: `precheck` is the top-level one, the others the service's. */
export function hookTemplate(config: Config, hook: HookName, service: string | null): string | undefined {
  if (hook === 'precheck') return config.hooks.precheck;
  if (service === null || !Object.hasOwn(config.services, service)) return undefined;
  return config.services[service]?.hooks?.[hook];
}

/** The command of a hook, rendered with the node's values; undefined when the hook is not set. */
export function hookCommand(
  config: Config,
  hook: HookName,
  service: string | null,
  values: Record<string, string>,
): Command | undefined {
  const template = hookTemplate(config, hook, service);
  if (template === undefined) return undefined;
  const timeoutMs =
    service === null
      ? (config.phases.timeouts.hook ?? config.phases.timeouts.default)
      : phasesOf(config, service).timeouts.hook;
  return { phase: 'hook', text: renderTemplate(template, values), timeoutMs };
}

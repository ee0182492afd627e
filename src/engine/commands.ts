// The commands a unit runs: config templates rendered with the unit's values.
import type { Config } from '../config/schema.js';
import { own } from './lookup.js';
import type { Command, UnitRecord } from './ports.js';
import { serviceCommand } from './service-phases.js';
import type { NodeRef, Phase, Plan } from './types.js';

/** The template values of a unit: every one of them is shell-quoted when rendered. */
export function templateValues(
  config: Config,
  plan: Plan,
  unit: Pick<UnitRecord, 'service' | 'node'>,
  node: NodeRef,
  commit?: string,
): Record<string, string> {
  const release = own(config.releases.named, plan.release);
  return {
    node: node.name,
    host: node.host,
    service: unit.service,
    release: plan.release,
    from: plan.from ?? '',
    ref: release?.ref ?? plan.release,
    commit: commit ?? plan.commit ?? release?.ref ?? plan.release,
    fromCommit:
      plan.fromCommit ?? (plan.from ? (own(config.releases.named, plan.from)?.ref ?? plan.from) : ''),
  };
}

/** The command of a phase for a unit (its service's own template, else the global one), from the plan it runs under now. */
export function commandFor(config: Config) {
  return (phase: Phase, unit: UnitRecord, node: NodeRef, plan: Plan): Command | undefined =>
    serviceCommand(config, unit.service, phase, templateValues(config, plan, unit, node));
}

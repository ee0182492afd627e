// The config of the scale and start-up benchmarks: keystone on two controllers, then
// nova-compute on every other node, the demo's deploy repository (src/demo/repo.ts), all at once.

export interface DemoConfigSpec {
  repo: string;
  /** The `ssh:` section's keys besides the user and known_hosts (`concurrency: 50, …`). */
  ssh: string;
  /** The phases configured, in order, from the demo's node kit. */
  phases: readonly Phase[];
  /** One `- { name, host, … }` line per node, controllers first. */
  nodes: string[];
}

type Phase = 'version' | 'drain' | 'upgrade' | 'health' | 'undrain' | 'rollback';

const TEMPLATES: Record<Phase, string> = {
  version: 'bin/version {{service}}',
  drain: 'bin/drain {{service}}',
  upgrade: 'bin/upgrade {{service}} {{commit}}',
  health: 'bin/health {{service}}',
  undrain: 'bin/undrain {{service}}',
  rollback: 'bin/upgrade {{service}} {{fromCommit}}',
};

export function demoConfigYaml({ repo, ssh, phases, nodes }: DemoConfigSpec): string {
  return `ssh: { user: stack, knownHosts: /dev/null, ${ssh} }
services:
  keystone:     { roles: [controller], paths: [keystone/] }
  nova-compute: { roles: [compute], after: [keystone], paths: [nova/compute/] }
releases:
  repo: ${repo}
  order: [grizzly, havana]
  grizzly: { ref: stable/grizzly }
  havana:  { ref: stable/havana, from: grizzly }
phases:
${phases.map((phase) => `  ${phase}: ${TEMPLATES[phase]}`).join('\n')}
environments:
  bench:
    strategy: { kind: all-at-once, auto: true, soak: 0s, maxFailures: 100% }
    nodes:
${nodes.join('\n')}
operators: { slack: [U0OPS] }
`;
}

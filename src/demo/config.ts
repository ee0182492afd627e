// The demo's drover.yaml: the simulated fleet, the generated repository, and three people.
import type { SimFleet } from './fleet.js';

export function demoConfig(repo: string, fleet: SimFleet): string {
  const nodes = fleet.nodes.map(
    (node) =>
      `      - { name: ${node.name}, host: ${node.host}, port: ${node.port}, roles: [${node.name.startsWith('ctl') ? 'controller' : 'compute'}] }`,
  );
  const phases = Object.entries(fleet.phases).map(
    ([phase, template]) => `  ${phase}: ${JSON.stringify(template)}`,
  );
  return `# Written by drover demo: a simulated OpenStack-like fleet going from grizzly to havana.
ssh: { user: ${fleet.user}, privateKey: ${fleet.clientKeyPath}, knownHosts: ${fleet.knownHostsPath}, concurrency: 4 }
services:
  keystone:     { roles: [controller], paths: [keystone/] }
  nova-api:
    roles: [controller]
    after: [keystone]
    paths: [nova/api/]
    hooks:                             # once per upgrade, on nova-api's first node
      pre: "echo nova-manage db expand: havana columns added, grizzly code still works | tee -a hooks.log"
      post: "echo nova-manage db contract: grizzly columns dropped | tee -a hooks.log"
  nova-compute: { roles: [compute], after: [nova-api], paths: [nova/compute/] }
releases:
  repo: ${repo}
  order: [grizzly, havana]
  grizzly: { ref: stable/grizzly }
  havana:  { ref: stable/havana, from: grizzly }
phases:
${phases.join('\n')}
  timeouts: { default: 30s }
environments:
  lab:
    strategy: { kind: waves, waves: [1, 50%, 100%], auto: true, soak: 0s }
    nodes:
${nodes.join('\n')}
people:
  - { email: olga@example.com, name: Olga, slack: U0OLGA }
  - { email: alice@example.com, name: Alice, slack: U01ALICE }
  - { email: bob@example.com, name: Bob, slack: U02BOB }
operators:  { slack: [U0OLGA] }
developers: { slack: [U01ALICE, U02BOB] }
`;
}

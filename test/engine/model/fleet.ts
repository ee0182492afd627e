// Random fleets for the engine's model-based tests: services with a random `after:` DAG and
// roles and hooks, nodes with roles, a strategy and policy, and how each (service, node) behaves. A
// fleet is written as a user writes it (YAML) and planned by the real planner.
import fc from 'fast-check';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { makePlan } from '../../../src/engine/plan.js';
import type { Plan } from '../../../src/engine/types.js';

/** What a (service, node) does. Attempt-dependent behaviours pass from the attempt after `n`. */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'health-fails'; until: number }
  | { kind: 'upgrade-fails'; until: number }
  | { kind: 'unreachable'; until: number }
  | { kind: 'drops-in-health'; until: number }
  | { kind: 'rollback-fails' };

/** What the node runs at first: `from`, the target, older, newer, or something unknown. */
export type StartVersion = 'grizzly' | 'havana' | 'folsom' | 'icehouse' | 'custom-build-7';

/** A service's hooks: each set one fails its first `n` runs (0: never). */
export type HookSpec = Partial<Record<'pre' | 'post' | 'rollback', number>>;

export interface FleetSpec {
  services: Array<{ name: string; role: string; after: string[]; hooks?: HookSpec }>;
  nodes: Array<{ name: string; roles: string[] }>;
  strategy: string;
  requireAck: boolean;
  behaviour: Record<string, Behaviour>;
  version: Record<string, StartVersion>;
}

const ROLES = ['r0', 'r1', 'r2'];

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'ok' as const }) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 9 }).map((until) => ({ kind: 'health-fails' as const, until })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 9 }).map((until) => ({ kind: 'upgrade-fails' as const, until })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 9 }).map((until) => ({ kind: 'unreachable' as const, until })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 9 }).map((until) => ({ kind: 'drops-in-health' as const, until })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'rollback-fails' as const }) },
);

const startVersion: fc.Arbitrary<StartVersion> = fc.oneof(
  { weight: 14, arbitrary: fc.constant('grizzly' as const) },
  { weight: 2, arbitrary: fc.constant('havana' as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('folsom' as const, 'icehouse' as const, 'custom-build-7' as const),
  },
);

const hookFails = fc.option(
  fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 })),
  {
    nil: undefined,
    freq: 2,
  },
);
const hooks: fc.Arbitrary<HookSpec> = fc
  .record({ pre: hookFails, post: hookFails, rollback: hookFails })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, n]) => n !== undefined)));

const count = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('25%', '50%'));

const strategy = fc
  .record({
    kind: fc.constantFrom('rolling', 'waves', 'all-at-once'),
    batch: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom('50%')),
    waves: fc.constantFrom('[1, 50%, 100%]', '[1, 10%, 100%]', '[2, 100%]'),
    maxFailures: count,
    maxUnavailable: fc.option(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom('50%')), {
      nil: undefined,
    }),
    auto: fc.boolean(),
    soak: fc.constantFrom('0s', '30s'),
  })
  .map(
    (s) =>
      `{ kind: ${s.kind}, batch: ${JSON.stringify(s.batch)}, waves: ${s.waves}, maxFailures: ${JSON.stringify(s.maxFailures)},${
        s.maxUnavailable === undefined ? '' : ` maxUnavailable: ${JSON.stringify(s.maxUnavailable)},`
      } auto: ${s.auto}, soak: ${s.soak} }`,
  );

export const fleetSpec: fc.Arbitrary<FleetSpec> = fc
  .record({
    serviceCount: fc.integer({ min: 1, max: 6 }),
    edges: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 8 }),
    serviceRoles: fc.array(fc.constantFrom(...ROLES), { minLength: 6, maxLength: 6 }),
    serviceHooks: fc.array(hooks, { minLength: 6, maxLength: 6 }),
    nodeRoles: fc.array(fc.subarray(ROLES, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 60 }),
    strategy,
    requireAck: fc.boolean(),
    behaviours: fc.array(behaviour, { minLength: 360, maxLength: 360 }),
    versions: fc.array(startVersion, { minLength: 360, maxLength: 360 }),
  })
  .map((raw) => {
    // Every service runs on a role some node has (the config refuses others).
    const held = ROLES.filter((role) => raw.nodeRoles.some((roles) => roles.includes(role)));
    const services = Array.from({ length: raw.serviceCount }, (_, i) => ({
      name: `s${i}`,
      role: held[ROLES.indexOf(raw.serviceRoles[i]!) % held.length]!,
      after: [] as string[],
      hooks: raw.serviceHooks[i]!,
    }));
    // Edges only from a later service to an earlier one: always a DAG.
    for (const [a, b] of raw.edges) {
      const [early, late] = [Math.min(a, b), Math.max(a, b)];
      if (early === late || late >= services.length) continue;
      const service = services[late]!;
      if (!service.after.includes(`s${early}`)) service.after.push(`s${early}`);
    }
    const nodes = raw.nodeRoles.map((roles, i) => ({ name: `n${String(i + 1).padStart(2, '0')}`, roles }));
    const behaviourOf: Record<string, Behaviour> = {};
    const versionOf: Record<string, StartVersion> = {};
    let k = 0;
    for (const service of services)
      for (const node of nodes) {
        behaviourOf[`${service.name}@${node.name}`] = raw.behaviours[k % 360]!;
        versionOf[`${service.name}@${node.name}`] = raw.versions[k % 360]!;
        k += 1;
      }
    return {
      services,
      nodes,
      strategy: raw.strategy,
      requireAck: raw.requireAck,
      behaviour: behaviourOf,
      version: versionOf,
    };
  });

export function fleetYaml(spec: FleetSpec): string {
  const services = spec.services.map((s) => {
    const hooks = Object.keys(s.hooks ?? {}).map((name) => `${name}: "hook ${name} {{service}}"`);
    return `  ${s.name}: { roles: [${s.role}]${s.after.length ? `, after: [${s.after.join(', ')}]` : ''}${
      hooks.length ? `, hooks: { ${hooks.join(', ')} }` : ''
    } }`;
  });
  const nodes = spec.nodes.map(
    (n, i) =>
      `      - { name: ${n.name}, host: 10.9.${Math.floor(i / 200)}.${(i % 200) + 1}, roles: [${n.roles.join(', ')}] }`,
  );
  return `ssh: { user: stack, knownHosts: /dev/null, concurrency: 6 }
services:
${services.join('\n')}
releases:
  repo: /srv/deploy
  order: [folsom, grizzly, havana, icehouse]
  folsom:   { ref: stable/folsom }
  grizzly:  { ref: stable/grizzly, from: folsom }
  havana:   { ref: stable/havana, from: grizzly }
  icehouse: { ref: stable/icehouse, from: havana }
phases:
  version: version {{service}}
  drain: drain {{service}}
  upgrade: upgrade {{service}} {{commit}}
  health: health {{service}}
  undrain: undrain {{service}}
  rollback: rollback {{service}} {{fromCommit}}
environments:
  lab:
    requireAck: ${spec.requireAck}
    strategy: ${spec.strategy}
    nodes:
${nodes.join('\n')}
operators: { slack: [U0OPS] }
developers: { slack: [U0DEV] }
`;
}

export function fleetPlan(spec: FleetSpec): { config: Config; plan: Plan } {
  const config = parseConfig(fleetYaml(spec), 'model.yaml', {});
  const plan = makePlan({ config, environment: 'lab', release: 'havana', options: {}, versions: new Map() });
  return { config, plan };
}

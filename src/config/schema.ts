// The shape of drover.yaml. Key names are a contract with users' files (PRODUCT.md, "The
// config, by example"): add keys, rename none. Every object is strict, so a misspelt key is
// an error that names it rather than a setting silently ignored.
import { z } from 'zod';
import { regexProblem } from './regex-check.js';
import { chatIds, environmentSchema, name, type nodeSchema, strategySchema } from './schema-environment.js';
import { sshSchema } from './schema-ssh.js';
import { duration } from './units.js';

export {
  type Approvals,
  approvalsSchema,
  type ChatIds,
  environmentSchema,
  type FreezeWindow,
  freezeSchema,
  type InventoryConfig,
  inventorySchema,
  type NodeSource,
  nodeSchema,
  type StrategyInput,
  type StrategyKind,
  strategyKind,
  strategySchema,
} from './schema-environment.js';
export { type HopInput, hopSchema, sshSchema } from './schema-ssh.js';
export { type Count, count, duration, MAX_DURATION_MS } from './units.js';

export const releaseSchema = z.strictObject({
  ref: z.string().min(1).describe('a git ref of the deploy repository (branch, tag or sha)'),
  from: name.optional().describe('the release it upgrades from (default: the previous one in `order`)'),
});

export const releasesSchema = z
  .strictObject({
    repo: z.string().min(1).describe('a local git checkout of the deploy repository'),
    order: z.array(name).min(1).describe('releases, oldest first, for the skew policy'),
    maxSkew: z.number().int().min(0).default(1).describe('services may run at most this many releases apart'),
    bisectRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(1)
      .describe('re-runs of a bisection probe, to tell a flaky result from a real one'),
  })
  .catchall(releaseSchema)
  .transform(({ repo, order, maxSkew, bisectRetries, ...named }) => ({
    repo,
    order,
    maxSkew,
    bisectRetries,
    /** Release name → {ref, from}: every key of the block that is not a setting. */
    named: named as Record<string, z.infer<typeof releaseSchema>>,
  }));

export const PHASES = ['version', 'drain', 'upgrade', 'health', 'undrain', 'rollback'] as const;
export type Phase = (typeof PHASES)[number];

const template = (meaning: string) => z.string().min(1).describe(meaning);

const limit = (phase: Phase) =>
  duration.optional().describe(`how long \`${phase}\` may run (default: \`default\`)`);

const timeoutsSchema = z.strictObject({
  default: duration.default(300_000).describe('how long a phase without a timeout of its own may run'),
  version: limit('version'),
  drain: limit('drain'),
  upgrade: limit('upgrade'),
  health: limit('health'),
  undrain: limit('undrain'),
  rollback: limit('rollback'),
  hook: duration.optional().describe('each run of a hook (default: `default`)'),
});

const HEALTH_RETRIES =
  'reruns of `health` until it exits 0, `healthInterval` apart, before the unit fails (default 0)';
const HEALTH_INTERVAL = 'the wait between two runs of `health` (default 5s)';

export const phasesSchema = z.strictObject({
  version: template('prints the release name (or commit sha) the service runs'),
  drain: template('takes the service out of rotation (optional)').optional(),
  upgrade: template('deploys {{commit}}'),
  health: template(
    'exits 0 when the service is healthy; 125 means cannot tell (bisection skips it)',
  ).optional(),
  undrain: template('puts the service back in rotation (optional)').optional(),
  rollback: template('returns the service to {{fromCommit}}'),
  timeouts: timeoutsSchema
    .default({ default: 300_000 })
    .describe('how long each phase may run before it fails as timed out'),
  healthRetries: z.number().int().min(0).max(1000).default(0).describe(HEALTH_RETRIES),
  healthInterval: duration.default(5_000).describe(HEALTH_INTERVAL),
});

/** A service's own phases: any global template or timeout, replaced for that service only. */
export const servicePhasesSchema = z.strictObject({
  version: template('this service’s `version` (default: `phases.version`)').optional(),
  drain: template('this service’s `drain` (default: `phases.drain`)').optional(),
  upgrade: template('this service’s `upgrade` (default: `phases.upgrade`)').optional(),
  health: template('this service’s `health` (default: `phases.health`)').optional(),
  undrain: template('this service’s `undrain` (default: `phases.undrain`)').optional(),
  rollback: template('this service’s `rollback` (default: `phases.rollback`)').optional(),
  timeouts: timeoutsSchema
    .partial()
    .optional()
    .describe('timeouts of this service, key by key (default: `phases.timeouts`)'),
  healthRetries: z.number().int().min(0).max(1000).optional().describe(HEALTH_RETRIES),
  healthInterval: duration.optional().describe(HEALTH_INTERVAL),
});
export type ServicePhases = z.infer<typeof servicePhasesSchema>;

export const serviceHooksSchema = z.strictObject({
  pre: template(
    'runs once, on the service’s canary node, before its first unit (e.g. expand the database schema)',
  ).optional(),
  post: template(
    'runs once, on the same node, after every unit of the upgrade is done, in reverse dependency order; only when the upgrade completed (e.g. contract the schema)',
  ).optional(),
  rollback: template(
    'runs once, on the same node, after `rollback all` rolled back the service’s units',
  ).optional(),
});

export const HOOKS = ['precheck', 'pre', 'post', 'rollback'] as const;
export type HookName = (typeof HOOKS)[number];

export const personSchema = z.strictObject({
  email: z.string().email().describe('the git author e-mail'),
  aliases: z.array(z.string().email()).default([]).describe('other e-mails of the same person'),
  name: z.string().min(1).optional().describe('how messages name them (default: the git author name)'),
  slack: z.string().min(1).optional().describe('their Slack user id (U…), mentioned for their commits'),
  discord: z.string().min(1).optional().describe('their Discord user id, mentioned for their commits'),
});

export const configSchema = z.strictObject({
  ssh: sshSchema.describe('how drover logs in to the nodes: user, key, known hosts, jump hosts, transport'),
  services: z
    .record(
      name,
      z.strictObject({
        roles: z
          .array(name)
          .min(1)
          .describe('the node roles that run it: it has a unit on every node with one of them'),
        after: z.array(name).default([]).describe('services upgraded on every node before this one'),
        paths: z
          .array(z.string().min(1))
          .default([])
          .describe('repository paths of the service: commits touching them are suspects'),
        phases: servicePhasesSchema
          .optional()
          .describe('overrides any global phase template (and timeouts) for this service'),
        hooks: serviceHooksSchema.optional().describe('commands run once per upgrade, on one node'),
      }),
    )
    .describe('what drover upgrades, by name; the unit of work is one service on one node'),
  releases: releasesSchema.describe(
    'the deploy repository, the order of releases, and each release as `<name>: { ref, from }`',
  ),
  phases: phasesSchema.describe(
    'the commands run on a node for each unit: version, drain, upgrade, health, undrain (rollback to go back); every {{value}} is one shell-quoted word',
  ),
  hooks: z
    .strictObject({
      precheck: template(
        'runs on every node of the plan before the first wave; a node where it fails stops the start (nothing is upgraded)',
      ).optional(),
    })
    .default({})
    .describe('commands run once per upgrade rather than per unit'),
  strategy: strategySchema
    .default({})
    .describe('how an upgrade goes through a fleet, for every environment (each may override it)'),
  environments: z
    .record(name, environmentSchema)
    .describe('the fleets drover upgrades, by name (`env=<name>` in verbs)'),
  people: z
    .array(personSchema)
    .default([])
    .describe('git authors → chat users, so the author of an offending commit is mentioned'),
  operators: chatIds
    .default({ slack: [], discord: [], discordRoles: [] })
    .describe('who may run mutating verbs (an environment’s own list replaces it there)'),
  developers: chatIds
    .default({ slack: [], discord: [], discordRoles: [] })
    .describe('who may ack failures and read the audit (an environment’s own list replaces it there)'),
  redact: z
    .array(
      z
        .string()
        .min(1)
        .superRefine((pattern, ctx) => {
          const problem = regexProblem(pattern);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    )
    .default([])
    .describe(
      'extra regular expressions whose matches are removed from output before it is stored or posted',
    ),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.infer<typeof configSchema>;
export type NodeConfig = z.infer<typeof nodeSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type ServiceConfig = Config['services'][string];
export type PersonConfig = z.infer<typeof personSchema>;

export type ReleaseConfig = z.infer<typeof releaseSchema>;

/** The releases block without its settings keys: name → {ref, from}. */
export function releaseEntries(releases: Config['releases']): Array<[string, ReleaseConfig]> {
  return Object.entries(releases.named);
}

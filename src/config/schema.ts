// The shape of drover.yaml. Key names are a contract with users' files (PRODUCT.md, "The
// config, by example"): add keys, rename none. Every object is strict, so a misspelt key is
// an error that names it rather than a setting silently ignored.
import { z } from 'zod';
import { regexProblem } from './regex-check.js';
import { hopSchema, sshSchema } from './schema-ssh.js';
import { count, duration } from './units.js';

export { type HopInput, hopSchema, sshSchema } from './schema-ssh.js';
export { type Count, count, duration, MAX_DURATION_MS } from './units.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, . _ -');

export const strategyKind = z.enum(['rolling', 'waves', 'all-at-once']);
export type StrategyKind = z.infer<typeof strategyKind>;

export const strategySchema = z.strictObject({
  kind: strategyKind
    .optional()
    .describe(
      'rolling (batches of `batch` nodes), waves (staged groups, the first the canary) or all-at-once',
    ),
  batch: count.optional().describe('rolling: nodes per wave, N or N% of the service’s nodes (default 1)'),
  waves: z
    .array(count)
    .min(1)
    .optional()
    .describe('waves: cumulative counts per service, e.g. [1, 10%, 50%, 100%]'),
  maxFailures: count
    .optional()
    .describe('failed units a wave tolerates before dispatch stops and the upgrade pauses (default 0)'),
  maxUnavailable: count.optional().describe('per role, fleet-wide: nodes that may be out of service at once'),
  soak: duration
    .optional()
    .describe('with auto: how long to watch a finished wave before the next (e.g. 5m; 0s is valid)'),
  auto: z.boolean().optional().describe('advance after the soak by itself instead of waiting for `step`'),
  by: z
    .string()
    .min(1)
    .optional()
    .describe(
      'a node label (e.g. zone): waves go one label value at a time, the canary’s first, nodes without it last; maxUnavailable applies per value',
    ),
});
export type StrategyInput = z.infer<typeof strategySchema>;

const chatIds = z.strictObject({
  slack: z.array(z.string().min(1)).default([]).describe('Slack user ids (U…)'),
  discord: z.array(z.string().min(1)).default([]).describe('Discord user ids'),
  discordRoles: z
    .array(z.string().min(1))
    .default([])
    .describe('Discord role ids: every member holding one of them'),
});
export type ChatIds = z.infer<typeof chatIds>;

/** A date (`2026-12-24`) or a date-time (`2026-12-24T17:00`, optionally with an offset). */
const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const dateOrTime = z
  .string()
  .regex(DATE_OR_TIME, 'expected a date (2026-12-24) or a date-time (2026-12-24T17:00)');

export const freezeSchema = z.union([
  z.strictObject({
    cron: z.string().min(1).describe('recurring: when each window starts, e.g. "0 17 * * 5"'),
    duration: duration.describe('how long each window lasts, e.g. 64h'),
    reason: z.string().min(1).describe('shown with every refusal'),
  }),
  z.strictObject({
    from: dateOrTime.describe('first moment of the window; a date means its midnight'),
    to: dateOrTime.describe('end of the window; a date means the end of that day'),
    reason: z.string().min(1).describe('shown with every refusal'),
  }),
]);
export type FreezeWindow = z.infer<typeof freezeSchema>;

export const approvalsSchema = z.strictObject({
  start: z.number().int().min(0).max(20).default(0).describe('other operators who must approve a start'),
  step: z.number().int().min(0).max(20).default(0).describe('other operators who must approve a step'),
  rollback: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(0)
    .describe('other operators who must approve a rollback'),
});
export type Approvals = z.infer<typeof approvalsSchema>;

export const nodeSchema = z.strictObject({
  name,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  roles: z.array(name).min(1),
  labels: z.record(z.string(), z.string()).default({}),
  jump: z
    .union([z.literal('none'), z.array(hopSchema).min(1)])
    .optional()
    .describe('this node’s jump hosts (overrides ssh.jump), or none to connect directly'),
});

const inventoryRoles = z
  .record(name, z.array(z.string().min(1)).min(1))
  .describe('drover role → the inventory groups whose hosts have it');

export const inventorySchema = z.union([
  z.strictObject({
    ansible: z.string().min(1).describe('an Ansible inventory file, INI or YAML'),
    roles: inventoryRoles,
  }),
  z.strictObject({
    command: z
      .string()
      .min(1)
      .describe(
        'run at load; prints a JSON list of {name, host, port?, user?, roles, labels?} or Ansible’s --list output',
      ),
    roles: inventoryRoles.default({}),
  }),
]);
export type InventoryConfig = z.infer<typeof inventorySchema>;

export const environmentSchema = z
  .strictObject({
    channels: z
      .strictObject({ slack: z.string().min(1).optional(), discord: z.string().min(1).optional() })
      .default({}),
    strategy: strategySchema.default({}),
    requireAck: z
      .boolean()
      .default(false)
      .describe('`step` waits until every failure of the upgrade is acknowledged'),
    canary: name.optional().describe('a node to upgrade first in each of its services, and to bisect on'),
    digest: z
      .strictObject({
        cron: z.string().min(1),
        timezone: z.string().min(1).default('UTC'),
        quiet: z.enum(['line', 'silent']).default('line'),
      })
      .optional(),
    inventory: inventorySchema
      .optional()
      .describe('nodes from an Ansible inventory or a command, besides those under nodes:'),
    nodes: z.array(nodeSchema).default([]),
    timezone: z
      .string()
      .min(1)
      .optional()
      .describe('IANA timezone of the freeze windows (default: the digest’s timezone, else UTC)'),
    operators: chatIds.optional().describe('who may run mutating verbs here; replaces the top-level list'),
    developers: chatIds
      .optional()
      .describe('who may ack and read the audit here; replaces the top-level list'),
    approvals: approvalsSchema
      .default({ start: 0, step: 0, rollback: 0 })
      .describe('the verb becomes a request that N other operators of the environment approve'),
    approvalTimeout: duration.default(3_600_000).describe('an approval request expires after this long'),
    freeze: z
      .array(freezeSchema)
      .default([])
      .describe(
        '`start` and `step` are refused inside these windows unless `override="<reason>"`: `{cron, duration, reason}` or `{from, to, reason}`',
      ),
  })
  .transform((env) => ({
    ...env,
    /** Where the nodes came from, in the order of `nodes` (an inventory's nodes follow `nodes:`). */
    sources: [{ from: 'nodes:', count: env.nodes.length }] as NodeSource[],
  }));

export interface NodeSource {
  /** `nodes:`, `ansible <file>` or `command <command line>`. */
  from: string;
  count: number;
}

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

const timeoutsSchema = z.strictObject({
  default: duration.default(300_000),
  version: duration.optional(),
  drain: duration.optional(),
  upgrade: duration.optional(),
  health: duration.optional(),
  undrain: duration.optional(),
  rollback: duration.optional(),
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
  timeouts: timeoutsSchema.default({ default: 300_000 }),
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
  name: z.string().min(1).optional(),
  slack: z.string().min(1).optional(),
  discord: z.string().min(1).optional(),
});

export const configSchema = z.strictObject({
  ssh: sshSchema,
  services: z.record(
    name,
    z.strictObject({
      roles: z.array(name).min(1),
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
  ),
  releases: releasesSchema,
  phases: phasesSchema,
  hooks: z
    .strictObject({
      precheck: template(
        'runs on every node of the plan before the first wave; a node where it fails stops the start (nothing is upgraded)',
      ).optional(),
    })
    .default({}),
  strategy: strategySchema.default({}),
  environments: z.record(name, environmentSchema),
  people: z.array(personSchema).default([]),
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

// The `environments:` section of drover.yaml and what it shares with the top level: strategy,
// who may do what (operators/developers), nodes and inventories, approvals and freeze windows.
// Re-exported by schema.ts.
import { z } from 'zod';
import { hopSchema } from './schema-ssh.js';
import { count, duration } from './units.js';

export const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, . _ -');

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

export const chatIds = z.strictObject({
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
  name: name.describe('the node’s name in messages and verbs (`retry cmp-3`), unique in the environment'),
  host: z.string().min(1).describe('the address drover connects to over SSH (a name or an IP)'),
  port: z.number().int().min(1).max(65535).optional().describe('its SSH port (default: `ssh.port`)'),
  user: z.string().min(1).optional().describe('its login user (default: `ssh.user`)'),
  roles: z
    .array(name)
    .min(1)
    .describe('its roles: each service whose `roles` names one of them has a unit on this node'),
  labels: z
    .record(z.string(), z.string())
    .default({})
    .describe('free-form name: value pairs (rack: r1); `strategy.by` makes waves by one of them'),
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
      .strictObject({
        slack: z.string().min(1).optional().describe('the Slack channel id (C…)'),
        discord: z.string().min(1).optional().describe('the Discord channel id'),
      })
      .default({})
      .describe(
        'where upgrade messages, failures and digests of the environment are posted, and where its mutating verbs are taken',
      ),
    strategy: strategySchema
      .default({})
      .describe('this environment’s strategy, key by key over the top-level `strategy`'),
    requireAck: z
      .boolean()
      .default(false)
      .describe('`step` waits until every failure of the upgrade is acknowledged'),
    canary: name.optional().describe('a node to upgrade first in each of its services, and to bisect on'),
    digest: z
      .strictObject({
        cron: z
          .string()
          .min(1)
          .describe('when it is posted: a five-field cron expression, e.g. "0 9 * * 1-5"'),
        timezone: z.string().min(1).default('UTC').describe('the IANA time zone `cron` is read in'),
        quiet: z
          .enum(['line', 'silent'])
          .default('line')
          .describe('when nothing happened since the last one: `line` posts one line, `silent` nothing'),
      })
      .optional()
      .describe(
        'a summary posted on a schedule: active upgrades with progress, open failures with age and owner, the version map, what comes next',
      ),
    inventory: inventorySchema
      .optional()
      .describe('nodes from an Ansible inventory or a command, besides those under nodes:'),
    nodes: z
      .array(nodeSchema)
      .default([])
      .describe('the environment’s nodes (an `inventory:` adds more after them)'),
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

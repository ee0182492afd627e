// The shape of drover.yaml. Key names are a contract with users' files (PRODUCT.md, "The
// config, by example"): add keys, rename none. Every object is strict, so a misspelt key is
// an error that names it rather than a setting silently ignored.
import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `10m`, `0s` → milliseconds. */
export const duration = z
  .string()
  .regex(DURATION, 'expected a duration such as 90s, 10m or 1h')
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text) ?? [];
    return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  });

/** A count of nodes: a whole number, or a percentage of the set it applies to (`25%`). */
export const count = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?%$/, 'expected a whole number or a percentage such as 25%'),
]);
export type Count = z.infer<typeof count>;

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, . _ -');

export const strategyKind = z.enum(['rolling', 'waves', 'all-at-once']);
export type StrategyKind = z.infer<typeof strategyKind>;

export const strategySchema = z.strictObject({
  kind: strategyKind.optional(),
  batch: count.optional(),
  waves: z.array(count).min(1).optional(),
  maxFailures: count.optional(),
  maxUnavailable: count.optional(),
  soak: duration.optional(),
  auto: z.boolean().optional(),
});
export type StrategyInput = z.infer<typeof strategySchema>;

const chatIds = z.strictObject({
  slack: z.array(z.string().min(1)).default([]),
  discord: z.array(z.string().min(1)).default([]),
  discordRoles: z.array(z.string().min(1)).default([]),
});

export const nodeSchema = z.strictObject({
  name,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  roles: z.array(name).min(1),
  labels: z.record(z.string(), z.string()).default({}),
});

export const environmentSchema = z.strictObject({
  channels: z
    .strictObject({ slack: z.string().min(1).optional(), discord: z.string().min(1).optional() })
    .default({}),
  strategy: strategySchema.default({}),
  requireAck: z.boolean().default(false),
  canary: name.optional(),
  digest: z
    .strictObject({
      cron: z.string().min(1),
      timezone: z.string().min(1).default('UTC'),
      quiet: z.enum(['line', 'silent']).default('line'),
    })
    .optional(),
  nodes: z.array(nodeSchema).min(1),
});

export const releaseSchema = z.strictObject({ ref: z.string().min(1), from: name.optional() });

export const releasesSchema = z
  .strictObject({
    repo: z.string().min(1),
    order: z.array(name).min(1),
    maxSkew: z.number().int().min(0).default(1),
    bisectRetries: z.number().int().min(0).max(10).default(1),
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

export const phasesSchema = z.strictObject({
  version: z.string().min(1),
  drain: z.string().min(1).optional(),
  upgrade: z.string().min(1),
  health: z.string().min(1).optional(),
  undrain: z.string().min(1).optional(),
  rollback: z.string().min(1),
  timeouts: z
    .strictObject({
      default: duration.default(300_000),
      version: duration.optional(),
      drain: duration.optional(),
      upgrade: duration.optional(),
      health: duration.optional(),
      undrain: duration.optional(),
      rollback: duration.optional(),
    })
    .default({ default: 300_000 }),
});

export const sshSchema = z.strictObject({
  user: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  privateKey: z.string().min(1).optional(),
  agent: z.boolean().default(false),
  knownHosts: z.string().min(1).default('~/.ssh/known_hosts'),
  connectTimeout: duration.default(10_000),
  keepalive: duration.default(15_000),
  concurrency: z.number().int().min(1).max(1000).default(20),
  outputTail: z.number().int().min(256).max(1_048_576).default(8192),
});

export const personSchema = z.strictObject({
  email: z.string().email(),
  aliases: z.array(z.string().email()).default([]),
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
      after: z.array(name).default([]),
      paths: z.array(z.string().min(1)).default([]),
    }),
  ),
  releases: releasesSchema,
  phases: phasesSchema,
  strategy: strategySchema.default({}),
  environments: z.record(name, environmentSchema),
  people: z.array(personSchema).default([]),
  operators: chatIds,
  developers: chatIds.default({ slack: [], discord: [], discordRoles: [] }),
  redact: z.array(z.string().min(1)).default([]),
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

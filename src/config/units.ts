// Durations and counts as drover.yaml writes them, parsed into what the code uses.
import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The longest delay a Node.js timer takes (2^31−1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** `90s`, `10m`, `7d` → milliseconds, any length (`drover audit --since 30d`); undefined when it is no duration. */
export function durationMs(text: string): number | undefined {
  const [, amount, unit] = DURATION.exec(text) ?? [];
  return unit === undefined ? undefined : Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/** `90s`, `10m`, `0s` → milliseconds, at most MAX_DURATION_MS. */
export const duration = z
  .string()
  .regex(DURATION, 'expected a duration such as 90s, 10m or 1h')
  .transform((text) => durationMs(text) ?? Number.NaN)
  .refine((ms) => ms <= MAX_DURATION_MS, {
    message: 'longer than 24d (2^31−1 ms, the longest timer drover can set): use at most 24d',
  });

/** A count of nodes: a whole number, or a percentage of the set it applies to (`25%`). */
export const count = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?%$/, 'expected a whole number or a percentage such as 25%'),
]);
export type Count = z.infer<typeof count>;

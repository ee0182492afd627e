// Strategy options: config defaults → environment → the operator's overrides.
import type { Config, Count } from '../config/schema.js';
import { PlanRefusedError } from '../errors.js';
import type { StartOptions } from './api.js';
import { own } from './lookup.js';
import type { StrategyOptions } from './types.js';

/** Resolves `N` or `N%` of `total`, percentages rounded up. */
export function resolveCount(count: Count, total: number): number {
  if (typeof count === 'number') return count;
  return Math.ceil((Number.parseFloat(count) / 100) * total - 1e-9);
}

/** Like resolveCount, but percentages round down: for limits that must never be exceeded. */
export function resolveLimit(count: Count, total: number): number {
  if (typeof count === 'number') return count;
  return Math.floor((Number.parseFloat(count) / 100) * total + 1e-9);
}

const DEFAULT_WAVES: Count[] = [1, '10%', '50%', '100%'];

export function resolveStrategy(config: Config, environment: string, options: StartOptions): StrategyOptions {
  const env = own(config.environments, environment);
  const merged = { ...config.strategy, ...env?.strategy };
  const kind = options.strategy ?? merged.kind ?? 'rolling';
  const batch = options.batch ?? merged.batch ?? 1;
  if (typeof batch === 'string' && !/^\d+(\.\d+)?%$/.test(batch)) {
    throw new PlanRefusedError(`batch must be N or N%, not "${batch}"`);
  }
  return {
    kind,
    batch: typeof batch === 'string' ? batch : Math.max(1, batch),
    waves: merged.waves ?? DEFAULT_WAVES,
    maxFailures: merged.maxFailures ?? 0,
    maxUnavailable: merged.maxUnavailable,
    soakMs: merged.soak ?? 0,
    auto: options.auto ?? merged.auto ?? false,
    concurrency: config.ssh.concurrency,
    ...(merged.by === undefined ? {} : { by: merged.by }),
  };
}

/**
 * Cumulative wave sizes for `total` units: each entry is how many are done by the end of
 * that wave, at least one more than the last, the final one `total`.
 */
export function cumulativeWaves(waves: Count[], total: number): number[] {
  const sizes: number[] = [];
  let last = 0;
  for (const count of waves) {
    if (last >= total) break;
    const next = Math.min(total, Math.max(last + 1, resolveCount(count, total)));
    sizes.push(next);
    last = next;
  }
  if (last < total) sizes.push(total);
  return sizes;
}

// Waiting for health (PRODUCT.md, "Phases and hooks"): `health` reruns until it exits 0, up to
// `healthRetries` + 1 runs, `healthInterval` apart — the ValidateService loop of CodeDeploy.
// A dropped connection ends the wait at once (the unit is re-probed); exit 125 stays "cannot
// tell" (bisection skips a commit whose last run said so).
import type { PhaseResult } from './types.js';

export interface HealthPolicy {
  retries: number;
  intervalMs: number;
}

export interface HealthTry {
  attempt: number;
  of: number;
  passed: boolean;
  result: PhaseResult;
}

export const healthPassed = (result: PhaseResult): boolean =>
  result.exitCode === 0 && result.interrupted === null;

/**
 * Runs `health` until it passes or the tries are spent; returns the last run and how many
 * there were. `onTry` hears about every run when it takes more than one (never about a pass
 * at the first try), before the wait for the next.
 */
export async function waitForHealth(
  run: () => Promise<PhaseResult>,
  policy: HealthPolicy,
  sleep: (ms: number) => Promise<void>,
  onTry?: (attempt: HealthTry) => void | Promise<void>,
): Promise<{ result: PhaseResult; tries: number }> {
  const of = Math.max(0, policy.retries) + 1;
  for (let attempt = 1; ; attempt += 1) {
    const result = await run();
    const passed = healthPassed(result);
    const last = passed || attempt >= of || result.interrupted === 'connection';
    if (of > 1 && !(passed && attempt === 1)) await onTry?.({ attempt, of, passed, result });
    if (last) return { result, tries: attempt };
    await sleep(policy.intervalMs);
  }
}

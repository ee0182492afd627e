// Running hooks on their node: one connection, one command, the outcome audited. The
// prechecks of a start run here too, on every node of the plan at the usual concurrency.
import type { Config, HookName } from '../config/schema.js';
import { templateValues } from './commands.js';
import type { HookOutcome } from './observe.js';
import type { HookRecord, NewHookRun, NodeRunner, Store } from './ports.js';
import { errorResult } from './run-unit.js';
import { hookCommand } from './service-phases.js';
import type { Actor, NodeRef, PhaseResult, Plan } from './types.js';

/** Who runs hooks in the audit log. */
export const ENGINE_ACTOR: Actor = { id: 'engine', platform: 'engine', name: 'drover' };

export interface HookDeps {
  config: Config;
  runner: NodeRunner;
  store: Store;
  now: () => Date;
}

/** The template values of a hook: a unit's, except that the precheck has no `{{service}}`. */
export function hookValues(
  config: Config,
  plan: Plan,
  service: string | null,
  node: NodeRef,
): Record<string, string> {
  const { service: _none, ...values } = templateValues(
    config,
    plan,
    { service: service ?? '', node: node.name },
    node,
  );
  return service === null ? values : { ...values, service };
}

/** One run of a hook on its node. A command that cannot be built or a node out of reach fails it. */
export async function runHookCommand(
  config: Config,
  runner: NodeRunner,
  plan: Plan,
  hook: { name: HookName; service: string | null },
  node: NodeRef,
): Promise<PhaseResult | null> {
  let command: ReturnType<typeof hookCommand>;
  try {
    command = hookCommand(config, hook.name, hook.service, hookValues(config, plan, hook.service, node));
  } catch (error) {
    return errorResult(error);
  }
  if (!command) return null;
  let session: Awaited<ReturnType<NodeRunner['open']>>;
  try {
    session = await runner.open(node);
  } catch (error) {
    return errorResult(error);
  }
  try {
    return await session.run(command);
  } finally {
    await session.close().catch(() => undefined);
  }
}

export const passed = (result: PhaseResult | null): boolean =>
  result === null || (result.exitCode === 0 && result.interrupted === null);

export function outputOf(result: PhaseResult | null): string {
  if (!result) return '';
  return [result.stdoutTail, result.stderrTail].filter(Boolean).join('\n');
}

/** `exit 1`, `timed out after 30s`, `connection dropped`, or the error that kept it from running. */
export function describeHookResult(result: PhaseResult | null): string {
  if (!result) return 'not configured';
  if (result.interrupted === 'timeout') return `timed out after ${Math.round(result.durationMs / 1000)}s`;
  if (result.interrupted === 'connection') return 'connection dropped';
  if (result.signal) return `killed by ${result.signal}`;
  if (result.exitCode === null) return result.stderrTail.split('\n')[0] ?? 'did not run';
  return `exit ${result.exitCode}`;
}

/** Runs a hook of an upgrade and audits it; never throws. */
export async function runHook(
  hook: HookRecord,
  node: NodeRef,
  plan: Plan,
  deps: HookDeps,
): Promise<HookOutcome> {
  const result = await runHookCommand(deps.config, deps.runner, plan, hook, node);
  const ok = passed(result);
  await deps.store
    .audit({
      actor: ENGINE_ACTOR,
      command: `hook ${hook.name}`,
      args: { service: hook.service, node: hook.node, exitCode: result?.exitCode ?? null },
      outcome: ok ? 'ok' : `failed: ${describeHookResult(result)}`,
      upgradeId: hook.upgradeId,
    })
    .catch(() => undefined);
  return { hookId: hook.id, ok, result, finishedAt: deps.now() };
}

/** The prechecks of a plan, run on every node in parallel at the plan's concurrency. */
export async function runPrechecks(
  plan: Plan,
  nodes: Map<string, NodeRef>,
  deps: Omit<HookDeps, 'store'>,
): Promise<NewHookRun[]> {
  const planned = (plan.hooks ?? []).filter((hook) => hook.name === 'precheck');
  const runs: NewHookRun[] = new Array(planned.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < planned.length; i = next++) {
      const hook = planned[i]!;
      const startedAt = deps.now();
      const node = nodes.get(hook.node);
      const result = node
        ? await runHookCommand(deps.config, deps.runner, plan, hook, node)
        : errorResult(new Error(`unknown node ${hook.node}`));
      runs[i] = {
        name: 'precheck',
        service: null,
        node: hook.node,
        state: passed(result) ? 'done' : 'failed',
        exitCode: result?.exitCode ?? null,
        outputTail: outputOf(result) || (passed(result) ? '' : describeHookResult(result)),
        attempts: 1,
        startedAt,
        finishedAt: deps.now(),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.strategy.concurrency) }, worker));
  return runs;
}

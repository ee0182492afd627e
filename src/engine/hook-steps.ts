// The hooks' part of a decision (PRODUCT.md, "Phases and hooks"). Pure, on a Draft: which hook
// runs now, what a finished one changes, and what holds the upgrade while one has failed.
// A hook failure opens a failure of kind `hook` and stops the upgrade until `retry hook` or
// `skip hook`: paused (pausedBy `hook`) for `pre` and `post`, failed for `rollback`.
import type { Draft } from './draft.js';
import { fingerprint } from './fingerprint.js';
import { hookLabel } from './hooks.js';
import type { HookOutcome } from './observe.js';
import type { HookRecord } from './ports.js';
import { describeHookResult, outputOf } from './run-hook.js';

export type HookGate = 'open' | 'waiting' | 'failed';

/** Interrupted runs are run again this many times before the hook fails. */
const MAX_HOOK_ATTEMPTS = 3;

const FINISHED = ['done', 'skipped'];

export const VERBS_FOR_HOOK = '`retry hook` runs it again, `skip hook` goes on without it';

function start(draft: Draft, hook: HookRecord, now: Date, dispatch: number[]): void {
  draft.setHook(hook.id, { state: 'running', attempts: hook.attempts + 1, startedAt: now, finishedAt: null });
  draft.emit({
    type: 'hook.started',
    data: { hookId: hook.id, hook: hook.name, service: hook.service, node: hook.node },
  });
  dispatch.push(hook.id);
}

/** Steps one hook: starts it when pending; says whether what comes after it may go on. */
function gate(draft: Draft, hook: HookRecord | undefined, now: Date, dispatch: number[]): HookGate {
  if (!hook || FINISHED.includes(hook.state)) return 'open';
  if (hook.state === 'pending') start(draft, hook, now, dispatch);
  return hook.state === 'failed' ? 'failed' : 'waiting';
}

/** Whether units of `service` may start: its `pre` hook done or skipped, started here when due. */
export function preHookGate(draft: Draft, service: string, now: Date, dispatch: number[]): HookGate {
  const hook = draft.hooks.find((h) => h.name === 'pre' && h.service === service);
  return gate(draft, hook, now, dispatch);
}

/** The `post` hooks, one at a time in their (reverse dependency) order. */
export function postHooksGate(draft: Draft, now: Date, dispatch: number[]): HookGate {
  for (const hook of draft.hooks.filter((h) => h.name === 'post')) {
    const step = gate(draft, hook, now, dispatch);
    if (step !== 'open') return step;
  }
  return 'open';
}

/**
 * The `rollback` hook of `service`, run after its units are rolled back when the service had
 * begun (its `pre` hook ran, or a unit of it was rolled back).
 */
export function rollbackHookGate(draft: Draft, service: string, now: Date, dispatch: number[]): HookGate {
  const hook = draft.hooks.find((h) => h.name === 'rollback' && h.service === service);
  if (!hook || hook.state === 'pending') {
    const begun =
      draft.hooks.some((h) => h.name === 'pre' && h.service === service && h.state === 'done') ||
      [...draft.units.values()].some((unit) => unit.service === service && unit.state === 'rolled_back');
    if (!begun) return 'open';
  }
  return gate(draft, hook, now, dispatch);
}

/** The failed hook that holds the upgrade, if any. */
export const failedHook = (draft: Draft): HookRecord | undefined =>
  draft.hooks.find((hook) => hook.state === 'failed');

/** Hooks stored as running that no one here runs (a process died mid-run): run again, or fail. */
export function orphanHooks(
  draft: Draft,
  inFlight: ReadonlySet<number>,
  now: Date,
  dispatch: number[],
): void {
  for (const hook of draft.hooks) {
    if (hook.state !== 'running' || inFlight.has(hook.id)) continue;
    if (hook.attempts >= MAX_HOOK_ATTEMPTS) {
      finish(draft, hook, {
        hookId: hook.id,
        ok: false,
        result: {
          exitCode: null,
          signal: null,
          stdoutTail: '',
          stderrTail: `interrupted ${hook.attempts} times; giving up`,
          durationMs: 0,
          interrupted: null,
        },
        finishedAt: now,
      });
      continue;
    }
    draft.setHook(hook.id, { state: 'pending' });
    start(draft, draft.hooks.find((h) => h.id === hook.id)!, now, dispatch);
  }
}

/** What finished hooks change: their run, and for a failure a failure post of kind `hook`. */
export function applyHookResults(draft: Draft, results: readonly HookOutcome[]): void {
  for (const outcome of results) {
    const hook = draft.hooks.find((h) => h.id === outcome.hookId);
    if (hook?.state !== 'running') continue;
    finish(draft, hook, outcome);
  }
}

function finish(draft: Draft, hook: HookRecord, outcome: HookOutcome): void {
  const output = outputOf(outcome.result);
  const described = outcome.ok ? 'done' : describeHookResult(outcome.result);
  draft.setHook(hook.id, {
    state: outcome.ok ? 'done' : 'failed',
    exitCode: outcome.result?.exitCode ?? (outcome.ok ? 0 : null),
    outputTail: output || (outcome.ok ? '' : described),
    finishedAt: outcome.finishedAt,
  });
  draft.emit({
    type: 'hook.finished',
    data: {
      hookId: hook.id,
      hook: hook.name,
      service: hook.service,
      node: hook.node,
      ok: outcome.ok,
      outcome: described,
      /** The last line it printed, for the thread. */
      output: output.trim().split('\n').at(-1)?.slice(0, 200) ?? '',
    },
  });
  const open = draft.failures.find(
    (failure) =>
      failure.kind === 'hook' &&
      failure.nodes.includes(hook.node) &&
      failure.state !== 'resolved' &&
      failure.service === (hook.service ?? ''),
  );
  if (outcome.ok) {
    if (open) {
      draft.patchFailure(open.id, { state: 'resolved' });
      draft.emit({ type: 'failure.resolved', data: { failureId: open.id } });
    }
    return;
  }
  if (open) return;
  const text = `${hookLabel(hook)} ${described}\n${output}`.trim();
  const print = fingerprint({
    service: hook.service ?? '',
    phase: 'hook',
    exitCode: outcome.result?.exitCode ?? null,
    output: text,
    node: hook.node,
    host: hook.node,
  });
  draft.addFailure({
    fingerprint: print,
    kind: 'hook',
    service: hook.service ?? '',
    phase: 'hook',
    exitCode: outcome.result?.exitCode ?? null,
    nodes: [hook.node],
    outputTail: text,
  });
  draft.emit({
    type: 'failure.opened',
    data: { fingerprint: print, node: hook.node, service: hook.service, phase: 'hook', hook: hook.name },
  });
}

/** Stops the upgrade on a failed hook: paused for `pre`/`post`, failed during a rollback. */
export function holdOnFailedHook(draft: Draft, hook: HookRecord): void {
  const reason = `${hookLabel(hook)} failed${hook.exitCode === null ? '' : ` (exit ${hook.exitCode})`}: ${VERBS_FOR_HOOK}`;
  if (draft.state === 'rolling_back') {
    draft.setUpgrade('failed', reason, { type: 'upgrade.failed', data: { hook: hook.name } });
  } else if (draft.state === 'running') {
    draft.setUpgrade('paused', reason, { type: 'upgrade.paused', data: { hook: hook.name } }, 'hook');
  }
}

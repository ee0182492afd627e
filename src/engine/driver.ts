// The thin loop that drives one upgrade: hold the lease, decide, commit, perform. It decides
// on the snapshot with its own commits applied in memory, and reads the upgrade again only when
// another writer moved its revision. Everything it does comes from `decide`; it only runs
// units and attributions and waits.

import { applyChange } from './apply.js';
import { undecided } from './culprit.js';
import { decide, recordOnly } from './decide.js';
import type { DriverDeps, DriveUntil } from './driver-deps.js';
import type { HookOutcome, Observations, UnitOutcome } from './observe.js';
import type { FailureRecord, UpgradeSnapshot } from './ports.js';
import { errorResult, LeaseLostError, runUnit } from './run-unit.js';
import { TERMINAL_UPGRADE } from './transitions.js';
import { attributable, type Culprit } from './types.js';

/** How long a decision waits for more results while other units still run. */
const BATCH_MS = 20;

/** Nothing will happen without an operator: finished, paused, or waiting for `step`, with every failure attributed. */
export function isResting(snapshot: UpgradeSnapshot): boolean {
  const { state } = snapshot.upgrade;
  const busy =
    snapshot.units.some(
      (unit) => unit.state === 'running' || (unit.state === 'rolling_back' && unit.phase === 'rollback'),
    ) || snapshot.hooks.some((hook) => hook.state === 'running');
  const attributing = snapshot.failures.some(
    (failure) => failure.culprit === null && attributable(failure.kind),
  );
  if (busy || attributing) return false;
  if (TERMINAL_UPGRADE.includes(state) || state === 'paused') return true;
  return state === 'running' && snapshot.waves[snapshot.upgrade.currentWave]?.state === 'gated';
}

export async function drive(
  upgradeId: number,
  deps: DriverDeps,
  until: DriveUntil,
  signal?: AbortSignal,
): Promise<UpgradeSnapshot> {
  const leaseMs = deps.leaseMs ?? 30_000;
  const pollMs = deps.pollMs ?? 500;
  const inFlight = new Map<number, Promise<void>>();
  /** Failures this driver started attributing: each once, even before its culprit is stored. */
  const attributed = new Set<number>();
  let attributing = 0;
  let results: UnitOutcome[] = [];
  let culprits: Observations['culprits'] = [];
  const hooksInFlight = new Map<number, Promise<void>>();
  /** A deploy waits for the units a superseded deploy still runs; once none is left, none comes. */
  let othersBusy = true;
  let hookResults: HookOutcome[] = [];
  let wake: () => void = () => undefined;
  const woken = () => wake();
  let leaseCheckedAt = 0;
  /** The lease epoch this driver holds (undefined: none). Nothing from another tenure counts. */
  let epoch: number | undefined;
  /** Until when the lease is proven: the time before the statement that proved it, plus its ttl. */
  let provenUntil = 0;
  let kept: UpgradeSnapshot | undefined;
  /** Units a previous holder left running, and until when they count as still in flight. */
  let suspects = new Set<number>();
  let graceUntil = 0;
  let takenOver = false;
  let tenures = 0;
  const newTenure = (held: number | undefined) => {
    if (held === epoch) return;
    epoch = held;
    // The same epoch (the lease never lapsed) or the next (it lapsed, and no one took it between).
    const settled = deps.settledEpoch;
    const ours = tenures === 0 && settled !== undefined && (held === settled || held === settled + 1);
    takenOver = held !== undefined && !ours;
    if (held !== undefined) {
      tenures += 1;
      deps.onEpoch?.(held);
    }
    results = [];
    culprits = [];
    attributed.clear();
    kept = undefined;
  };
  /** Fencing: a unit's next phase starts only while the lease it was dispatched under is proven. */
  const mayDispatch = (tenure: number) => () => epoch === tenure && deps.clock.now().getTime() < provenUntil;

  try {
    for (;;) {
      // An embedded database answers on the microtask queue: yield so timers and I/O run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // While units are still running, gather a few more results into the same decision.
      if (results.length > 0 && inFlight.size > 0) await deps.clock.sleep(BATCH_MS, signal);
      const now = deps.clock.now();
      if (now.getTime() - leaseCheckedAt > leaseMs / 3 || epoch === undefined) {
        let held = await deps.store.acquireLease(upgradeId, deps.owner, leaseMs, now);
        let fromDead = false;
        if (held === undefined && deps.ownerDead) {
          const holder = await deps.store.leaseHolder(upgradeId, now);
          if (holder && deps.ownerDead(holder)) {
            held = await deps.store.acquireLease(upgradeId, deps.owner, leaseMs, now, holder);
            fromDead = true;
          }
        }
        newTenure(held);
        if (fromDead) takenOver = false;
        if (held !== undefined) provenUntil = now.getTime() + leaseMs;
        leaseCheckedAt = now.getTime();
      }
      // The snapshot this driver last committed stands while nobody else wrote since.
      const revision = kept ? await deps.store.revision(upgradeId) : undefined;
      const snapshot = kept && revision === kept.upgrade.revision ? kept : await deps.store.load(upgradeId);
      if (!snapshot) throw new Error(`upgrade #${upgradeId} does not exist`);
      kept = snapshot;
      if (takenOver) {
        // A holder that lost its lease may still be inside a phase it started in time: its
        // units are resumed once that phase must have ended.
        takenOver = false;
        suspects = new Set(
          snapshot.units.filter((u) => u.state === 'running' || u.state === 'rolling_back').map((u) => u.id),
        );
        graceUntil = now.getTime() + (deps.takeoverGraceMs ?? 0);
      }
      if (epoch === undefined) {
        if (stop(snapshot, until, signal)) return snapshot;
        await deps.clock.sleep(Math.min(leaseMs / 3, 1000), signal);
        continue;
      }
      const tenure = epoch;
      const batch = { results, culprits, hookResults };
      results = [];
      culprits = [];
      hookResults = [];
      // Shutting down (the signal aborted): phases in flight finish and are recorded, nothing
      // new starts here; units left marked running are resumed by whoever takes the lease.
      const draining = signal?.aborted === true;
      const elsewhere = now.getTime() < graceUntil ? [...suspects] : [];
      const running = new Set([
        ...inFlight.keys(),
        ...elsewhere,
        ...(draining ? runningUnits(snapshot) : []),
      ]);
      let busyNodes: Set<string> | undefined;
      if (
        othersBusy &&
        snapshot.upgrade.plan.pinned &&
        ['planned', 'running'].includes(snapshot.upgrade.state)
      ) {
        busyNodes = await deps.store.busyNodes(snapshot.upgrade.environment, upgradeId, now);
        othersBusy = busyNodes.size > 0;
      }
      const observed = {
        inFlight: running,
        hooksInFlight: new Set(hooksInFlight.keys()),
        ...(busyNodes ? { busyNodes } : {}),
      };
      const decision = (draining ? recordOnly : decide)(
        snapshot,
        { ...observed, ...batch },
        deps.context,
        now,
      );
      if (decision.change) {
        const sent = deps.clock.now();
        const { ok, failureIds, leaseLost } = await deps.store.commit(
          upgradeId,
          snapshot.upgrade.revision,
          decision.change,
          { owner: deps.owner, epoch: tenure, now: sent, ttlMs: leaseMs },
        );
        if (leaseLost) {
          // Another driver holds the upgrade now: dispatch nothing, keep nothing of this tenure.
          newTenure(undefined);
          continue;
        }
        if (!ok) {
          results = [...batch.results, ...results];
          culprits = [...batch.culprits, ...culprits];
          hookResults = [...batch.hookResults, ...hookResults];
          kept = undefined;
          continue;
        }
        provenUntil = sent.getTime() + leaseMs;
        kept = applyChange(snapshot, decision.change, failureIds, now);
      }
      // Units keep their identity and the plan only moves by a verb, so the snapshot this
      // decision was made on serves the dispatch; failures opened now are attributed next turn.
      const fresh = snapshot;
      const gate = deps.gate;
      for (const job of draining ? [] : decision.dispatch) {
        const unit = fresh.units.find((u) => u.id === job.unitId)!;
        const node = deps.nodes.get(unit.node)!;
        const task = runUnit(
          { unit, node, plan: fresh.upgrade.plan, dispatch: job },
          {
            ...deps,
            now: () => deps.clock.now(),
            classify: (version) => deps.classify(fresh, unit.service, version),
            gate: gate && (() => gate(fresh, unit.service)),
            mayDispatch: mayDispatch(tenure),
            announce: async (event) => {
              const lease = { owner: deps.owner, epoch: tenure, now: deps.clock.now(), ttlMs: leaseMs };
              await deps.store.commit(upgradeId, null, { events: [event] }, lease);
            },
          },
        ).then(
          (outcome) => {
            if (epoch === tenure) results.push(outcome);
          },
          (error: unknown) => {
            // A unit stopped for a lost lease is left running: its next holder resumes it.
            if (error instanceof LeaseLostError || epoch !== tenure) return;
            results.push(crashed(job.unitId, job.kind, error, deps.clock.now()));
          },
        );
        inFlight.set(
          job.unitId,
          task.finally(() => {
            inFlight.delete(job.unitId);
            woken();
          }),
        );
      }
      for (const hookId of draining ? [] : decision.hooks) {
        const hook = fresh.hooks.find((h) => h.id === hookId)!;
        const node = deps.nodes.get(hook.node)!;
        const ran = deps.runHook
          ? deps.runHook(hook, node, fresh.upgrade.plan)
          : Promise.resolve({ hookId, ok: true, result: null, finishedAt: deps.clock.now() });
        const task = ran.then(
          (outcome) => {
            hookResults.push(outcome);
          },
          (error: unknown) => {
            hookResults.push({ hookId, ok: false, result: errorResult(error), finishedAt: deps.clock.now() });
          },
        );
        hooksInFlight.set(
          hookId,
          task.finally(() => {
            hooksInFlight.delete(hookId);
            woken();
          }),
        );
      }
      for (const failure of fresh.failures) {
        if (draining || failure.culprit !== null || !attributable(failure.kind) || attributed.has(failure.id))
          continue;
        attributed.add(failure.id);
        attributing += 1;
        void attribute(failure, fresh, deps, upgradeId, tenure, leaseMs).then((culprit) => {
          if (epoch === tenure) culprits.push({ failureId: failure.id, culprit });
          attributing -= 1;
          woken();
        });
      }
      const news = results.length > 0 || culprits.length > 0 || hookResults.length > 0;
      const started = !draining && (decision.dispatch.length > 0 || decision.hooks.length > 0);
      if (decision.change || started || news) continue;
      const idle = inFlight.size === 0 && hooksInFlight.size === 0 && attributing === 0;
      if (idle && stop(fresh, until, signal)) return (await deps.store.load(upgradeId)) ?? fresh;
      const sleepMs = decision.wakeAt
        ? Math.max(0, Math.min(pollMs, decision.wakeAt.getTime() - now.getTime()))
        : pollMs;
      // A nap that ends when woken leaves no timer behind: a finished CLI run exits at once.
      const nap = new AbortController();
      const endNap = () => nap.abort();
      wake = endNap;
      if (signal?.aborted && inFlight.size === 0 && attributing === 0) endNap();
      signal?.addEventListener('abort', endNap, { once: true });
      try {
        await deps.clock.sleep(sleepMs, nap.signal);
      } finally {
        signal?.removeEventListener('abort', endNap);
        wake = () => undefined;
      }
    }
  } finally {
    await Promise.allSettled([...inFlight.values(), ...hooksInFlight.values()]);
    if (epoch !== undefined) await deps.store.releaseLease(upgradeId, deps.owner);
  }
}

function runningUnits(snapshot: UpgradeSnapshot): number[] {
  return snapshot.units
    .filter((u) => u.state === 'running' || (u.state === 'rolling_back' && u.phase === 'rollback'))
    .map((u) => u.id);
}

function stop(snapshot: UpgradeSnapshot, until: DriveUntil, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  if (TERMINAL_UPGRADE.includes(snapshot.upgrade.state)) return isResting(snapshot);
  return until === 'resting' && isResting(snapshot);
}

async function attribute(
  failure: FailureRecord,
  snapshot: UpgradeSnapshot,
  deps: DriverDeps,
  upgradeId: number,
  epoch: number,
  ttlMs: number,
): Promise<Culprit> {
  try {
    return await deps.attributor.attribute(failure, snapshot, (event) => {
      const lease = { owner: deps.owner, epoch, now: deps.clock.now(), ttlMs };
      // A progress line lost to a database error is only a line: the culprit is stored later.
      deps.store
        .commit(upgradeId, null, { events: [event] }, lease)
        .catch((error: unknown) =>
          deps.log?.warn({ err: error, upgrade: upgradeId }, 'a bisection progress event was not stored'),
        );
    });
  } catch (error) {
    return undecided(
      [],
      [],
      0,
      `attribution failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function crashed(unitId: number, kind: 'upgrade' | 'rollback', error: unknown, now: Date): UnitOutcome {
  return {
    unitId,
    kind,
    outcome: 'failed',
    phase: kind === 'rollback' ? 'rollback' : null,
    result: errorResult(error),
    versionBefore: null,
    versionAfter: null,
    finishedAt: now,
  };
}

// Operators' verbs as pure decisions: the snapshot and the verb in, a Change (or a refusal
// that says why) out. The change is committed at the snapshot's revision, so a verb never
// acts on state that moved under it.
import { RefusedError } from '../errors.js';
import { Draft } from './draft.js';
import { failedHook, VERBS_FOR_HOOK } from './hook-steps.js';
import { hookVerb } from './hook-verbs.js';
import { hookLabel } from './hooks.js';
import type { Change, UpgradeSnapshot } from './ports.js';
import { resolveLimit } from './strategy.js';
import { TERMINAL_UPGRADE } from './transitions.js';
import type { Actor } from './types.js';

export type VerbRequest =
  | { verb: 'step' }
  | { verb: 'pause' }
  | { verb: 'resume' }
  | { verb: 'abort' }
  | { verb: 'rollback'; scope: 'wave' | 'all' }
  /** `commit`: the release's ref now; when it moved (a fixing commit), the retry deploys it. */
  | { verb: 'retry'; node: string; commit?: string | undefined }
  /** `node: 'hook'`: the failed hook rather than a node. */
  | { verb: 'skip'; node: string }
  /** A newer deploy of the environment replaces this one. */
  | { verb: 'supersede'; by: string }
  | { verb: 'ack'; failureId: number | undefined; note: string | undefined };

/** `retry hook` / `skip hook`: the word in place of a node name. */
export const HOOK = 'hook';

export function applyVerb(
  snapshot: UpgradeSnapshot,
  request: VerbRequest,
  actor: Actor,
  now: Date,
  requireAck: boolean,
): Change {
  const draft = new Draft(snapshot);
  const who = actor.name;
  const id = snapshot.upgrade.id;
  const event = (verb: string) => ({ type: 'command' as const, data: { verb, actor: actor.id, name: who } });
  switch (request.verb) {
    case 'step': {
      const wave = draft.waves[draft.currentWave];
      if (draft.state !== 'running' || !wave || (wave.state !== 'gated' && wave.state !== 'soaking')) {
        throw new RefusedError(
          `upgrade #${id} is not waiting at a gate (${draft.state}${wave ? `, wave ${wave.index + 1} ${wave.state}` : ''})`,
        );
      }
      const open = draft.failures.filter((failure) => failure.state === 'open');
      if (requireAck && open.length > 0) {
        throw new RefusedError(
          `step refused: acknowledge the open failures first (${open.map((f) => `#${f.id} on ${f.nodes.join(', ')}`).join('; ')})`,
        );
      }
      draft.setWave(wave.index, 'done', { reason: `stepped by ${who}` });
      draft.setCurrentWave(wave.index + 1);
      draft.setUpgrade('running', `wave ${wave.index + 2} started by ${who}`, event('step'));
      break;
    }
    case 'pause':
      if (draft.state !== 'running') throw new RefusedError(`upgrade #${id} is ${draft.state}, not running`);
      draft.setUpgrade('paused', `paused by ${who}`, { type: 'upgrade.paused', data: { actor: actor.id } });
      break;
    case 'resume': {
      if (draft.state !== 'paused') throw new RefusedError(`upgrade #${id} is ${draft.state}, not paused`);
      const hook = failedHook(draft);
      if (hook) throw new RefusedError(`resume refused: the ${hookLabel(hook)} failed; ${VERBS_FOR_HOOK}`);
      const holding = failFastHolding(draft);
      if (holding) throw new RefusedError(`resume refused: ${holding}; retry or skip the node, or roll back`);
      draft.setUpgrade('running', `resumed by ${who}`, {
        type: 'upgrade.resumed',
        data: { actor: actor.id },
      });
      break;
    }
    case 'supersede':
      if (!['planned', 'running', 'paused'].includes(draft.state))
        throw new RefusedError(`upgrade #${id} is ${draft.state}: nothing to supersede`);
      draft.setUpgrade('superseded', `superseded by ${request.by}; it dispatches nothing more`, {
        type: 'upgrade.superseded',
        data: { actor: actor.id },
      });
      break;
    case 'abort':
      if (TERMINAL_UPGRADE.includes(draft.state))
        throw new RefusedError(`upgrade #${id} is already ${draft.state}`);
      if (draft.state === 'rolling_back')
        throw new RefusedError(`upgrade #${id} is rolling back; let it finish`);
      draft.setUpgrade('aborted', `aborted by ${who}; nodes stay as they are`, {
        type: 'upgrade.aborted',
        data: { actor: actor.id },
      });
      break;
    case 'rollback': {
      const allowed =
        request.scope === 'all'
          ? ['running', 'paused', 'completed', 'completed_with_failures', 'failed']
          : ['running', 'paused'];
      if (!allowed.includes(draft.state))
        throw new RefusedError(`rollback ${request.scope} is not possible from ${draft.state}`);
      const waves =
        request.scope === 'all'
          ? draft.waves
          : draft.waves.filter((wave) => wave.index === Math.min(draft.currentWave, draft.waves.length - 1));
      for (const wave of waves)
        if (wave.state !== 'rolled_back')
          draft.setWave(wave.index, 'rolled_back', { reason: `rolled back by ${who}` });
      draft.setUpgrade('rolling_back', `rollback ${request.scope} requested by ${who}`, {
        type: 'upgrade.rolling_back',
        data: { scope: request.scope },
      });
      break;
    }
    case 'retry':
    case 'skip': {
      if (request.node === HOOK) {
        hookVerb(draft, request.verb, who, now, event(`${request.verb} hook`));
        break;
      }
      if (!['running', 'paused', 'completed_with_failures'].includes(draft.state))
        throw new RefusedError(`upgrade #${id} is ${draft.state}: nothing to ${request.verb}`);
      const states = request.verb === 'retry' ? ['failed'] : ['failed', 'pending'];
      const units = [...draft.units.values()].filter(
        (unit) => unit.node === request.node && states.includes(unit.state),
      );
      if (units.length === 0) {
        throw new RefusedError(
          `node ${request.node} has no ${request.verb === 'retry' ? 'failed' : 'failed or pending'} unit in upgrade #${id}`,
        );
      }
      const plan = snapshot.upgrade.plan;
      const moved =
        request.verb === 'retry' &&
        request.commit !== undefined &&
        plan.commit !== undefined &&
        !plan.pinned &&
        request.commit !== plan.commit;
      if (moved) {
        draft.setPlan({ ...plan, commit: request.commit });
        draft.emit({
          type: 'command',
          data: { verb: 'retry', note: `the release moved to ${request.commit!.slice(0, 7)}: deploying it` },
        });
      }
      for (const unit of units) {
        const redeploy =
          moved && unit.phase !== 'drain' && unit.phase !== 'version' ? { phase: 'upgrade' as const } : {};
        draft.setUnit(
          unit.id,
          request.verb === 'retry'
            ? { state: 'pending', ...redeploy }
            : { state: 'skipped', finishedAt: now },
        );
      }
      if (request.verb === 'retry' && draft.state === 'completed_with_failures')
        draft.setUpgrade('running', `retry of ${request.node} by ${who}`, event(`retry ${request.node}`));
      else draft.emit(event(`${request.verb} ${request.node}`));
      break;
    }
    case 'ack': {
      const failure =
        request.failureId === undefined
          ? [...draft.failures].reverse().find((f) => f.state === 'open')
          : draft.failures.find((f) => f.id === request.failureId);
      if (!failure)
        throw new RefusedError(
          request.failureId === undefined
            ? `upgrade #${id} has no open failure`
            : `failure #${request.failureId} is not part of upgrade #${id}`,
        );
      if (failure.state !== 'open')
        throw new RefusedError(
          `failure #${failure.id} is already ${failure.state}${failure.ackedBy ? ` by ${failure.ackedBy}` : ''}`,
        );
      draft.patchFailure(failure.id, {
        state: 'acked',
        ackedBy: who,
        ackedAt: now,
        ackNote: request.note ?? null,
      });
      draft.emit({
        type: 'failure.acked',
        data: { failureId: failure.id, actor: actor.id, name: who, note: request.note ?? null },
      });
      break;
    }
  }
  return draft.toChange();
}

/** Why the current wave still stops the upgrade (failures beyond maxFailures), or undefined. */
export function failFastHolding(draft: Draft): string | undefined {
  const wave = draft.waves[draft.currentWave];
  if (!wave) return undefined;
  const units = draft.unitsOfWave(wave.index);
  const failed = units.filter((unit) => unit.state === 'failed');
  const limit = resolveLimit(draft.snapshot.upgrade.plan.strategy.maxFailures, units.length);
  return failed.length > limit
    ? `${failed.map((unit) => `${unit.node} (${unit.service})`).join(', ')} failed in wave ${wave.index + 1}`
    : undefined;
}

// Carrying out a verb: the one switch over verbs in drover. The dispatcher calls it last in its
// chain, once the request is parsed, authorized and past every policy step.
import type { StartOptions, Target, Upgrades } from '../engine/api.js';
import type { Store, UpgradeSnapshot } from '../engine/ports.js';
import type { Actor, Plan } from '../engine/types.js';
import { DroverError, RefusedError } from '../errors.js';
import { type CommandRequest, helpText } from './grammar.js';
import { describeSnapshot, planTable } from './render/text.js';

/** What a verb did: the reply's text and what the CLI prints with `--json` or drives. */
export interface Acted {
  text: string;
  /** Shown only to the asker (help, dry runs, status). */
  ephemeral?: boolean;
  /** The upgrade the verb acted on or started. */
  snapshot?: UpgradeSnapshot;
  /** `status`: the upgrades it found. */
  snapshots?: UpgradeSnapshot[];
  /** `plan`: the dry run. */
  plan?: Plan;
}

export interface ActDeps {
  upgrades: Upgrades;
  store: Store;
  /** Posts the environment's digest now (`/upgrade digest`). */
  digest?: ((environment: string | undefined) => Promise<string>) | undefined;
}

const target = (r: { env?: string; id?: number }): Target => ({
  ...(r.env ? { environment: r.env } : {}),
  ...(r.id ? { upgradeId: r.id } : {}),
});

export async function act(deps: ActDeps, actor: Actor, request: CommandRequest): Promise<Acted> {
  const { upgrades } = deps;
  switch (request.verb) {
    case 'help':
      return { text: helpText(request.topic), ephemeral: true };
    case 'plan':
    case 'start': {
      const options: StartOptions = {
        ...(request.env ? { environment: request.env } : {}),
        ...(request.strategy ? { strategy: request.strategy } : {}),
        ...(request.batch
          ? { batch: request.batch.endsWith('%') ? request.batch : Number.parseInt(request.batch, 10) }
          : {}),
        ...(request.auto ? { auto: true } : {}),
        ...(request.commit ? { commit: request.commit } : {}),
        ...(request.supersede ? { supersede: true } : {}),
        ...(request.allowDowngrade ? { allowDowngrade: true } : {}),
      };
      if (request.verb === 'plan') {
        const plan = await upgrades.plan(request.release, options);
        return { text: planTable(plan), ephemeral: true, plan };
      }
      const snapshot = await upgrades.start(actor, request.release, options);
      const { upgrade } = snapshot;
      return {
        text: `upgrade #${upgrade.id} started: ${upgrade.environment} → ${upgrade.release}, ${upgrade.plan.strategy.kind}, ${snapshot.waves.length} wave(s), ${snapshot.units.length} unit(s)`,
        snapshot,
      };
    }
    case 'status': {
      const snapshots = await upgrades.status(target(request));
      return {
        text: snapshots.map(describeSnapshot).join('\n\n') || 'no upgrades yet',
        ephemeral: true,
        snapshots,
      };
    }
    case 'digest':
      if (!deps.digest) return { text: 'digests are not configured in this process', ephemeral: true };
      return { text: await deps.digest(request.env) };
    case 'ack': {
      const snapshot = await upgrades.ack(actor, request.failure, request.note, target(request));
      const failure =
        request.failure ?? [...snapshot.failures].reverse().find((f) => f.ackedBy === actor.name)?.id;
      return {
        text: `failure #${failure} acknowledged by ${actor.name}${request.note ? `: ${request.note}` : ''}`,
        snapshot,
      };
    }
    case 'rollback': {
      const snapshot = await upgrades.rollback(actor, target(request), request.scope);
      return {
        text: `upgrade #${snapshot.upgrade.id}: rolling back ${request.scope === 'all' ? 'every upgraded node' : 'the current wave'}`,
        snapshot,
      };
    }
    case 'retry':
    case 'skip': {
      const doing = request.verb === 'retry' ? 'retrying' : 'skipping';
      if ('failure' in request)
        return everyNodeOf(deps, actor, request.verb, request.failure, request.id, doing);
      const snapshot = await upgrades[request.verb](actor, target(request), request.node);
      return { text: `upgrade #${snapshot.upgrade.id}: ${doing} ${request.node}`, snapshot };
    }
    case 'step':
    case 'pause':
    case 'resume':
    case 'abort': {
      const snapshot = await upgrades[request.verb](actor, target(request));
      return {
        text: `upgrade #${snapshot.upgrade.id}: ${snapshot.upgrade.state}${snapshot.upgrade.reason ? ` — ${snapshot.upgrade.reason}` : ''}`,
        snapshot,
      };
    }
  }
}

/** Retry or skip every node of a failure; nodes the verb no longer applies to are named. */
async function everyNodeOf(
  deps: ActDeps,
  actor: Actor,
  verb: 'retry' | 'skip',
  failureId: number,
  upgradeId: number,
  doing: string,
): Promise<Acted> {
  const failure = await deps.store.failure(failureId);
  if (!failure || failure.upgradeId !== upgradeId)
    throw new RefusedError(`upgrade #${upgradeId} has no failure #${failureId}`);
  if (failure.kind === 'hook') {
    const snapshot = await deps.upgrades[verb](actor, { upgradeId }, 'hook');
    return { text: `upgrade #${upgradeId}: ${doing} the failed hook`, snapshot };
  }
  const done: string[] = [];
  const refused: string[] = [];
  let snapshot: UpgradeSnapshot | undefined;
  for (const node of failure.nodes) {
    try {
      snapshot = await deps.upgrades[verb](actor, { upgradeId }, node);
      done.push(node);
    } catch (error) {
      if (!(error instanceof DroverError) || failure.nodes.length === 1) throw error;
      refused.push(`${node}: ${error.message}`);
    }
  }
  if (done.length === 0 || !snapshot)
    throw new RefusedError(`nothing to ${verb} in failure #${failureId}: ${refused.join('; ')}`);
  const left = refused.length > 0 ? ` (not ${refused.join('; ')})` : '';
  return { text: `upgrade #${upgradeId}: ${doing} ${done.join(', ')}${left}`, snapshot };
}

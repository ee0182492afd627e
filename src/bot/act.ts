// Carrying out a verb: the one switch over verbs in drover. The dispatcher calls it last in its
// chain, once the request is parsed, authorized and past every policy step.
import type { StartOptions, Target, Upgrades } from '../engine/api.js';
import type { Store, UpgradeSnapshot } from '../engine/ports.js';
import type { Actor, Plan } from '../engine/types.js';
import { DroverError, RefusedError } from '../errors.js';
import type { GovernanceDeps } from './governance/context.js';
import { planWarning } from './governance/plan-warning.js';
import { answer, auditLines, type CarryOut, lock, statusLines, unlock } from './governance/verbs.js';
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
  /** The upgrade and approval request a governance verb was about. */
  upgradeId?: number | undefined;
  requestId?: number | undefined;
}

export interface ActDeps {
  upgrades: Upgrades;
  store: Store;
  /** Posts the environment's digest now (`/upgrade digest`). */
  digest?: ((environment: string | undefined) => Promise<string>) | undefined;
  /** Locks, approval requests, the audit; without it the governance verbs say so. */
  governance?: GovernanceDeps | undefined;
  /** How `status` reads (default: `readStatus` for each request; the dispatcher shares reads). */
  readStatus?: ((request: { env?: string; id?: number }) => Promise<StatusRead>) | undefined;
}

export interface StatusRead {
  snapshots: UpgradeSnapshot[];
  /** The governance lines (locks, requests waiting) shown above them. */
  held: string[];
}

/** What `status` shows: the upgrades it asks about and what holds their environment. */
export async function readStatus(
  deps: Pick<ActDeps, 'upgrades' | 'governance'>,
  request: { env?: string; id?: number },
): Promise<StatusRead> {
  const [snapshots, held] = await Promise.all([
    deps.upgrades.status(target(request)),
    deps.governance ? statusLines(deps.governance, request.env) : [],
  ]);
  return { snapshots, held };
}

/** What the governance verbs need from the command path. */
export interface ActContext {
  /** The environment the command is about (lock and unlock need one). */
  environment?: string | undefined;
  /** Runs an approved command through the whole path again, as its requester. */
  carryOut?: CarryOut;
}

const target = (r: { env?: string; id?: number }): Target => ({
  ...(r.env ? { environment: r.env } : {}),
  ...(r.id ? { upgradeId: r.id } : {}),
});

export async function act(
  deps: ActDeps,
  actor: Actor,
  request: CommandRequest,
  at: ActContext = {},
): Promise<Acted> {
  const { upgrades } = deps;
  const governed = (): GovernanceDeps => {
    if (!deps.governance) throw new RefusedError('approvals, locks and the audit are not available here');
    return deps.governance;
  };
  const environment = (): string => {
    if (at.environment !== undefined) return at.environment;
    throw new RefusedError('say which environment: env=…');
  };
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
        const warning = deps.governance ? planWarning(deps.governance, plan) : undefined;
        return {
          text: [planTable(plan), ...(warning ? ['', warning] : [])].join('\n'),
          ephemeral: true,
          plan,
        };
      }
      const snapshot = await upgrades.start(actor, request.release, options);
      const { upgrade } = snapshot;
      return {
        text: `upgrade #${upgrade.id} started: ${upgrade.environment} → ${upgrade.release}, ${upgrade.plan.strategy.kind}, ${snapshot.waves.length} wave(s), ${snapshot.units.length} unit(s)`,
        snapshot,
      };
    }
    case 'status': {
      const { snapshots, held } = await (deps.readStatus ?? ((r) => readStatus(deps, r)))(request);
      return {
        text: [...held, ...snapshots.map(describeSnapshot)].join('\n\n') || 'no upgrades yet',
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
    case 'approve':
    case 'reject': {
      const carryOut = at.carryOut;
      if (!carryOut) throw new RefusedError('approvals cannot be answered here');
      return answer(governed(), actor, request, carryOut);
    }
    case 'lock':
      return lock(governed(), actor, request, environment());
    case 'unlock':
      return unlock(governed(), actor, request, environment());
    case 'audit':
      return auditLines(governed(), request);
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

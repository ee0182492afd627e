// The engine's API (api.ts) over the store: plans, starts, and verbs that are decided purely
// (verbs.ts) and committed at the revision they were decided on.
import type { Config } from '../config/schema.js';
import { ActiveUpgradeExistsError, NotFoundError, PlanRefusedError, RefusedError } from '../errors.js';
import type { StartOptions, Target, Upgrades } from './api.js';
import { initialHookRuns } from './hooks.js';
import { own } from './lookup.js';
import { environmentOf, makePlan } from './plan.js';
import type { Clock, NewHookRun, Store, UpgradeRecord, UpgradeSnapshot } from './ports.js';
import { checkProvenance } from './provenance.js';
import type { Actor, Plan } from './types.js';
import { applyVerb, type VerbRequest } from './verbs.js';

/** Resolves release refs to commits (the deploy repository). */
export interface RefResolver {
  resolve(ref: string): Promise<string>;
  /** Whether `sha` is reachable from `ref` (checks a pinned commit's provenance when given). */
  contains?(ref: string, sha: string): Promise<boolean>;
}

export interface UpgradesDeps {
  config: Config;
  store: Store;
  clock: Clock;
  /** Absent when the deploy repository is not available: commits stay unresolved. */
  refs?: RefResolver | undefined;
  /** Called after a change that the driving process should act on. */
  kick?: (upgradeId: number) => void;
  /** Runs the plan's prechecks on its nodes (absent: prechecks cannot run here, and a plan with some is refused). */
  prechecks?: (plan: Plan) => Promise<NewHookRun[]>;
}

export function createUpgrades(deps: UpgradesDeps): Upgrades {
  const { config, store, clock } = deps;
  const kick = (id: number) => deps.kick?.(id);

  async function plan(release: string, options: StartOptions): Promise<Plan> {
    const environment = environmentOf(config, options.environment);
    const spec = own(config.releases.named, release);
    if (!spec)
      throw new PlanRefusedError(`unknown release "${release}" (known: ${config.releases.order.join(', ')})`);
    const from = spec.from ?? config.releases.order[config.releases.order.indexOf(release) - 1];
    const resolve = async (ref: string) => {
      if (!deps.refs) return undefined;
      try {
        return await deps.refs.resolve(ref);
      } catch (cause) {
        throw new PlanRefusedError(
          `cannot resolve ${ref} in ${config.releases.repo}: ${(cause as Error).message}`,
        );
      }
    };
    const commit = options.commit ? await resolve(options.commit) : await resolve(spec.ref);
    const fromRef = from ? own(config.releases.named, from)?.ref : undefined;
    const fromCommit = fromRef ? await resolve(fromRef) : undefined;
    const versions = await store.versions(environment);
    if (options.commit && commit && deps.refs?.contains) {
      const git = {
        resolve: deps.refs.resolve.bind(deps.refs),
        contains: deps.refs.contains.bind(deps.refs),
      };
      const running = [...versions.values()].flatMap((services) => [...services.values()]);
      await checkProvenance(git, {
        config,
        release,
        ref: spec.ref,
        commit,
        running,
        allowDowngrade: options.allowDowngrade === true,
      });
    }
    return makePlan({ config, environment, release, options, versions, commit, fromCommit });
  }

  async function find(target: Target, allowFinished: boolean): Promise<UpgradeRecord> {
    if (target.upgradeId !== undefined) {
      const snapshot = await store.load(target.upgradeId);
      if (!snapshot) throw new NotFoundError(`no upgrade #${target.upgradeId}`);
      return snapshot.upgrade;
    }
    const active = await store.active(target.environment);
    if (active.length === 1) return active[0]!;
    if (active.length > 1)
      throw new RefusedError(
        `several upgrades are active (${active.map((u) => `#${u.id} ${u.environment}`).join(', ')}): say env=…`,
      );
    if (allowFinished) {
      const [latest] = await store.recent(1, target.environment);
      if (latest) return latest;
    }
    throw new NotFoundError(`no active upgrade${target.environment ? ` in ${target.environment}` : ''}`);
  }

  async function act(actor: Actor, target: Target, request: VerbRequest): Promise<UpgradeSnapshot> {
    // retry and skip also reach an upgrade that completed with failures.
    const finished = ['rollback', 'ack', 'retry', 'skip'].includes(request.verb);
    const record = await find(target, finished);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const snapshot = await store.load(record.id);
      if (!snapshot) throw new NotFoundError(`no upgrade #${record.id}`);
      const requireAck = own(config.environments, snapshot.upgrade.environment)?.requireAck ?? false;
      const change = applyVerb(snapshot, request, actor, clock.now(), requireAck);
      const { ok } = await store.commit(record.id, snapshot.upgrade.revision, change);
      if (ok) {
        kick(record.id);
        return (await store.load(record.id))!;
      }
    }
    throw new RefusedError(`upgrade #${record.id} is changing too fast to ${request.verb}; try again`);
  }

  return {
    plan,
    async start(actor, release, options) {
      const planned = await plan(release, options);
      const hooks = initialHookRuns(planned);
      const [holder] = await store.active(planned.environment);
      const replaced = holder && options.supersede && holder.plan.pinned ? holder : undefined;
      if (hooks.some((hook) => hook.name === 'precheck')) {
        if (holder && !replaced) throw new ActiveUpgradeExistsError(planned.environment, holder.id);
        if (!deps.prechecks) throw new PlanRefusedError('the prechecks cannot run in this process');
        const ran = await deps.prechecks(planned);
        refuseFailedPrechecks(ran);
        hooks.splice(0, ran.length, ...ran);
      }
      if (replaced) {
        const by = `the deploy of ${(planned.commit ?? '').slice(0, 7)} by ${actor.name}`;
        await act(actor, { upgradeId: replaced.id }, { verb: 'supersede', by });
      }
      const snapshot = await store.createUpgrade(
        {
          environment: planned.environment,
          release,
          plan: planned,
          startedBy: actor.name,
          reason: `started by ${actor.name}`,
          hooks,
        },
        { type: 'command', data: { verb: 'start', actor: actor.id, name: actor.name } },
      );
      kick(snapshot.upgrade.id);
      return snapshot;
    },
    async status(target) {
      if (target.upgradeId !== undefined || target.environment !== undefined) {
        const active = target.upgradeId === undefined ? await store.active(target.environment) : [];
        const ids = target.upgradeId !== undefined ? [target.upgradeId] : active.map((u) => u.id);
        if (ids.length === 0) ids.push(...(await store.recent(1, target.environment)).map((u) => u.id));
        return loadAll(store, ids);
      }
      const active = await store.active();
      const ids = active.length > 0 ? active.map((u) => u.id) : (await store.recent(1)).map((u) => u.id);
      return loadAll(store, ids);
    },
    step: (actor, target) => act(actor, target, { verb: 'step' }),
    pause: (actor, target) => act(actor, target, { verb: 'pause' }),
    resume: (actor, target) => act(actor, target, { verb: 'resume' }),
    abort: (actor, target) => act(actor, target, { verb: 'abort' }),
    rollback: (actor, target, scope) => act(actor, target, { verb: 'rollback', scope }),
    async retry(actor, target, node) {
      const record = await find(target, true);
      const spec = own(config.releases.named, record.release);
      // A release branch that moved since the start (a fixing commit) is deployed by the retry;
      // an upgrade started for one given commit stays on it.
      const follows = spec && deps.refs && record.plan.commit && !record.plan.pinned;
      const commit = follows ? await deps.refs!.resolve(spec.ref) : undefined;
      return act(actor, { upgradeId: record.id }, { verb: 'retry', node, commit });
    },
    skip: (actor, target, node) => act(actor, target, { verb: 'skip', node }),
    async ack(actor, failureId, note, target) {
      if (failureId !== undefined && target.upgradeId === undefined) {
        const failure = await store.failure(failureId);
        if (!failure) throw new NotFoundError(`no failure #${failureId}`);
        return act(actor, { upgradeId: failure.upgradeId }, { verb: 'ack', failureId, note });
      }
      return act(actor, target, { verb: 'ack', failureId, note });
    },
  };
}

/** A precheck that failed on any node starts nothing: the refusal names the nodes and their output. */
function refuseFailedPrechecks(ran: NewHookRun[]): void {
  const failed = ran.filter((run) => run.state !== 'done');
  if (failed.length === 0) return;
  const lines = failed.map((run) => {
    const tail = run.outputTail.trim().split('\n').slice(-3).join(' | ').slice(-300);
    return `  ${run.node}${run.exitCode === null ? '' : ` (exit ${run.exitCode})`}: ${tail || 'no output'}`;
  });
  throw new PlanRefusedError(
    `precheck failed on ${failed.length} of ${ran.length} node(s): ${failed.map((run) => run.node).join(', ')}; nothing started\n${lines.join('\n')}`,
  );
}

async function loadAll(store: Store, ids: number[]): Promise<UpgradeSnapshot[]> {
  const snapshots = await Promise.all(ids.map((id) => store.load(id)));
  return snapshots.filter((snapshot): snapshot is UpgradeSnapshot => snapshot !== undefined);
}

// The one path every chat command takes, whatever the platform: parse → audit ⟮ authorize →
// policies → act ⟯ → reply. Each stage after parsing is a `Step` of a small chain; governance
// (freezes, locks, approvals) is the policy step between authorization and the act.
import type { Config } from '../config/schema.js';
import type { StartOptions, Target, Upgrades } from '../engine/api.js';
import type { Clock, Store } from '../engine/ports.js';
import type { Actor } from '../engine/types.js';
import { DroverError, RefusedError, UsageError } from '../errors.js';
import { type ActorContext, listsFor, mayRun, refusalText } from './auth.js';
import { environmentFor, type GovernanceDeps } from './governance/context.js';
import { planWarning } from './governance/plan-warning.js';
import { type Approved, announceOverride, checkPolicy } from './governance/policy.js';
import type { GovernanceStore } from './governance/ports.js';
import { answer, auditLines, expireDue, lock, statusLines, unlock } from './governance/verbs.js';
import { type CommandRequest, helpText, parseCommand, VERB_TABLE } from './grammar.js';
import type { ChatMessage } from './model.js';
import { describeSnapshot, planTable } from './render/text.js';

export interface Reply {
  text: string;
  /** Shown only to the person who asked (usage errors, refusals, dry runs). */
  ephemeral: boolean;
  ok: boolean;
}

/** A reply and what the command touched, for the audit and the callers that drive it. */
export interface Outcome extends Reply {
  upgradeId?: number | undefined;
  /** The approval request the command created, answered or carried out. */
  requestId?: number | undefined;
  /** The outcome as the audit log records it (default `ok`, or `refused: <text>`). */
  record?: string;
}

/** One parsed command on its way through the chain. */
export interface Command {
  actor: Actor;
  request: CommandRequest;
  context: ActorContext;
  /** The environment it is about, when it can be told (per-environment roles and policies). */
  environment: string | undefined;
  /** Set when an approved request is carried out as its requester. */
  approved?: Approved | undefined;
}

/** A stage of the chain: return `next()` to let the command go on, or an outcome to stop it. */
export type Step = (command: Command, next: () => Promise<Outcome>) => Promise<Outcome>;

/** A refusal to return from a step: private to the asker, audited as `refused: <record>`. */
export function refusal(text: string, record = text): Outcome {
  return { text, ephemeral: true, ok: false, record: `refused: ${record}` };
}

export interface DispatcherDeps {
  upgrades: Upgrades;
  store: Store;
  config: Config;
  /** Posts the environment's digest now (`/upgrade digest`). */
  digest?: (environment: string | undefined) => Promise<string>;
  /** Locks, approvals and the audit read back; without it the governance verbs say so. */
  governance?: {
    store: GovernanceStore;
    clock: Clock;
    /** Posts to an environment's channels under a key (a later post with the key edits it). */
    announce?: (environment: string, key: string, message: ChatMessage) => Promise<void>;
  };
}

export interface Dispatcher {
  handle(actor: Actor, input: string | CommandRequest, context?: ActorContext): Promise<Outcome>;
  /** Whether the actor's role allows the verb (adapters use it to choose a private answer early). */
  permits(actor: Actor, verb: string, context?: ActorContext): boolean;
  /** Ends approval requests whose time is up (their posts say so); serving processes call it. */
  sweep(): Promise<number>;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { upgrades, store, config } = deps;
  const governed: GovernanceDeps | undefined = deps.governance && {
    config,
    store,
    upgrades,
    governance: deps.governance.store,
    clock: deps.governance.clock,
    announce: deps.governance.announce,
  };
  const needGovernance = (): GovernanceDeps => {
    if (!governed) throw new RefusedError('approvals, locks and the audit are not available in this process');
    return governed;
  };

  /** Retry or skip every node of a failure; nodes the verb no longer applies to are named. */
  async function everyNodeOf(
    actor: Actor,
    verb: 'retry' | 'skip',
    failureId: number,
    upgradeId: number,
    doing: string,
  ): Promise<{ text: string; upgradeId: number }> {
    const failure = await store.failure(failureId);
    if (!failure || failure.upgradeId !== upgradeId)
      throw new RefusedError(`upgrade #${upgradeId} has no failure #${failureId}`);
    const done: string[] = [];
    const refused: string[] = [];
    for (const node of failure.nodes) {
      try {
        await upgrades[verb](actor, { upgradeId }, node);
        done.push(node);
      } catch (error) {
        if (!(error instanceof DroverError) || failure.nodes.length === 1) throw error;
        refused.push(`${node}: ${error.message}`);
      }
    }
    if (done.length === 0)
      throw new RefusedError(`nothing to ${verb} in failure #${failureId}: ${refused.join('; ')}`);
    const left = refused.length > 0 ? ` (not ${refused.join('; ')})` : '';
    return { text: `upgrade #${upgradeId}: ${doing} ${done.join(', ')}${left}`, upgradeId };
  }

  const inEnvironment = (environment: string | undefined): string => {
    if (environment !== undefined) return environment;
    throw new RefusedError(`say which environment: env=${Object.keys(config.environments).join('|')}`);
  };

  async function act(command: Command): Promise<{
    text: string;
    upgradeId?: number | undefined;
    requestId?: number | undefined;
    ephemeral?: boolean;
  }> {
    const { actor, request, environment } = command;
    const target = (r: { env?: string; id?: number }): Target => ({
      ...(r.env ? { environment: r.env } : {}),
      ...(r.id ? { upgradeId: r.id } : {}),
    });
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
        };
        if (request.verb === 'plan') {
          const plan = await upgrades.plan(request.release, options);
          const warning = governed ? planWarning(governed, plan) : undefined;
          return { text: [planTable(plan), ...(warning ? ['', warning] : [])].join('\n'), ephemeral: true };
        }
        const snapshot = await upgrades.start(actor, request.release, options);
        const { upgrade } = snapshot;
        return {
          text: `upgrade #${upgrade.id} started: ${upgrade.environment} → ${upgrade.release}, ${upgrade.plan.strategy.kind}, ${snapshot.waves.length} wave(s), ${snapshot.units.length} unit(s)`,
          upgradeId: upgrade.id,
        };
      }
      case 'status': {
        const snapshots = await upgrades.status(target(request));
        const held = governed ? await statusLines(governed, request.env) : [];
        const text = [...held, ...snapshots.map(describeSnapshot)].join('\n\n');
        return { text: text || 'no upgrades yet', ephemeral: true };
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
          upgradeId: snapshot.upgrade.id,
        };
      }
      case 'rollback': {
        const snapshot = await upgrades.rollback(actor, target(request), request.scope);
        return {
          text: `upgrade #${snapshot.upgrade.id}: rolling back ${request.scope === 'all' ? 'every upgraded node' : 'the current wave'}`,
          upgradeId: snapshot.upgrade.id,
        };
      }
      case 'retry':
      case 'skip': {
        const doing = request.verb === 'retry' ? 'retrying' : 'skipping';
        if ('failure' in request) return everyNodeOf(actor, request.verb, request.failure, request.id, doing);
        const snapshot = await upgrades[request.verb](actor, target(request), request.node);
        return {
          text: `upgrade #${snapshot.upgrade.id}: ${doing} ${request.node}`,
          upgradeId: snapshot.upgrade.id,
        };
      }
      case 'approve':
      case 'reject':
        return answer(needGovernance(), actor, request, (requester, carried, context, approved) =>
          run({ actor: requester, request: carried, context, environment, approved }),
        );
      case 'lock':
        return lock(needGovernance(), actor, request, inEnvironment(environment));
      case 'unlock':
        return unlock(needGovernance(), actor, request, inEnvironment(environment));
      case 'audit':
        return auditLines(needGovernance(), request);
      default: {
        const snapshot = await upgrades[request.verb](actor, target(request));
        return {
          text: `upgrade #${snapshot.upgrade.id}: ${snapshot.upgrade.state}${snapshot.upgrade.reason ? ` — ${snapshot.upgrade.reason}` : ''}`,
          upgradeId: snapshot.upgrade.id,
        };
      }
    }
  }

  const audited: Step = async (command, next) => {
    const { actor, request } = command;
    const asked = 'id' in request ? request.id : undefined;
    let outcome: Outcome;
    try {
      outcome = await next();
    } catch (error) {
      if (!(error instanceof DroverError)) throw error;
      outcome = refusal(error.message);
    }
    await store.audit({
      actor,
      command: request.verb,
      args: { ...request },
      outcome: outcome.record ?? (outcome.ok ? 'ok' : `refused: ${outcome.text}`),
      upgradeId: outcome.upgradeId ?? asked ?? command.approved?.upgradeId ?? null,
      requestId:
        outcome.requestId ??
        command.approved?.requestId ??
        (request.verb === 'approve' || request.verb === 'reject' ? request.request : null),
      environment: command.environment ?? null,
    });
    return outcome;
  };

  const authorized: Step = async ({ actor, request, context, environment }, next) => {
    const who = VERB_TABLE.find((spec) => spec.verb === request.verb)!.who;
    if (mayRun(config, actor, who, context, environment)) return next();
    const own = listsFor(config, environment)[who === 'developer' ? 'developersKey' : 'operatorsKey'];
    return refusal(
      refusalText(config, request.verb, who, environment),
      `not ${who === 'developer' ? 'a developer or operator' : `an ${who}`}${own.startsWith('environments.') ? ` of ${environment}` : ''}`,
    );
  };

  const policy: Step = async (command, next) => {
    if (!governed) return next();
    const { actor, request, context, environment, approved } = command;
    await expireDue(governed);
    const verdict = await checkPolicy(governed, actor, request, context, environment, approved);
    if (verdict.kind === 'refuse') return refusal(verdict.text, verdict.record);
    if (verdict.kind === 'requested')
      return {
        text: verdict.text,
        ephemeral: false,
        ok: true,
        upgradeId: verdict.upgradeId ?? undefined,
        requestId: verdict.request.id,
        record: `requested: request #${verdict.request.id} needs ${verdict.request.needed} approval(s)`,
      };
    let outcome: Outcome;
    if (approved?.upgradeId && request.verb === 'start') {
      // The upgrade was created awaiting approval when it was asked for: it starts now.
      const snapshot = await upgrades.approveStart(
        actor,
        approved.upgradeId,
        `started by ${actor.name}, approved by ${approved.approvers.join(', ')}`,
      );
      outcome = {
        text: `upgrade #${snapshot.upgrade.id} started: ${snapshot.upgrade.environment} → ${snapshot.upgrade.release}`,
        ephemeral: false,
        ok: true,
        upgradeId: snapshot.upgrade.id,
      };
    } else outcome = await next();
    if (outcome.ok && verdict.freeze && environment)
      await announceOverride(governed, actor, request, environment, verdict.freeze);
    return outcome;
  };

  const carriedOut = async (command: Command): Promise<Outcome> => {
    const acted = await act(command);
    return { ...acted, ephemeral: acted.ephemeral ?? false, ok: true };
  };

  const chain: readonly Step[] = [audited, authorized, policy];
  const through = (command: Command, index = 0): Promise<Outcome> => {
    const step = chain[index];
    return step ? step(command, () => through(command, index + 1)) : carriedOut(command);
  };
  const run = async (command: Omit<Command, 'environment'> & { environment?: string | undefined }) =>
    through({
      ...command,
      environment: await environmentFor(
        { config, store, governance: deps.governance?.store },
        command.request,
      ),
    });

  return {
    async handle(caller, input, context = {}) {
      const actor = withPersonName(config, caller);
      let request: CommandRequest;
      try {
        request = typeof input === 'string' ? parseCommand(input) : input;
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        // Malformed input changes nothing, but who tried what is still on record.
        const line = typeof input === 'string' ? input.trim().slice(0, 500) : '';
        await store.audit({
          actor,
          command:
            line
              .replace(/^\/?upgrade\b/, '')
              .trim()
              .split(/\s+/)[0] || 'usage',
          args: { line },
          outcome: `usage: ${error.message}`,
        });
        return { text: error.message, ephemeral: true, ok: false };
      }
      return run({ actor, request, context });
    },
    sweep: () => (governed ? expireDue(governed) : Promise.resolve(0)),
    permits(caller, verb, context = {}) {
      const spec = VERB_TABLE.find((entry) => entry.verb === verb);
      return mayRun(config, withPersonName(config, caller), spec?.who ?? 'anyone', context);
    },
  };
}

/**
 * A chat user listed in `people:` acts under that person's name (what the failure post and
 * the digest show); the id, which authorization goes by, is unchanged.
 */
export function withPersonName(config: Config, actor: Actor): Actor {
  const [platform, ...rest] = actor.id.split(':');
  const id = rest.join(':');
  const person = config.people.find(
    (p) => (platform === 'slack' && p.slack === id) || (platform === 'discord' && p.discord === id),
  );
  return person?.name ? { ...actor, name: person.name } : actor;
}

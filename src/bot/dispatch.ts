// The one path every command takes, whatever it came from (Slack, Discord, the console, the
// CLI, the deploy webhook): parse → audit ⟮ authorize → policies… → act ⟯ → reply.
// Each stage after parsing is a `Step` of a small middleware chain (chain.ts); governance
// (approvals, locks, freezes) is the policy step between authorization and the act (README.md).
import type { Config } from '../config/schema.js';
import type { Upgrades } from '../engine/api.js';
import type { Clock, Store } from '../engine/ports.js';
import type { Actor } from '../engine/types.js';
import { DroverError, UsageError } from '../errors.js';
import { act, readStatus } from './act.js';
import { type ActorContext, listsFor, mayRun, refusalText } from './auth.js';
import { type Command, type Outcome, refusal, type Step } from './chain.js';
import { environmentFor, type GovernanceDeps } from './governance/context.js';
import type { Approved } from './governance/policy.js';
import type { GovernanceStore } from './governance/ports.js';
import { governanceStep } from './governance/step.js';
import { expireDue } from './governance/verbs.js';
import { type CommandRequest, parseCommand, type Role, usageOf, VERB_TABLE, type Verb } from './grammar.js';
import { checkCommandLine, cleanDeep, cleanText } from './input.js';
import type { ChatMessage } from './model.js';
import { originRefusal } from './origin.js';
import { sharedRead } from './shared-read.js';

export { type Command, type Outcome, type Reply, refusal, type Step } from './chain.js';

export interface DispatcherDeps {
  upgrades: Upgrades;
  store: Store;
  config: Config;
  /** Posts the environment's digest now (`/upgrade digest`). */
  digest?: (environment: string | undefined) => Promise<string>;
  /** Policy steps run, in order, after authorization and before the verb is carried out. */
  policies?: readonly Step[];
  /** An unexpected error (a bug, the database gone): logged with its stack; the user gets one line. */
  onError?: (error: unknown) => void;
  /** Locks, approvals and the audit read back (the governance policy step runs first). */
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

export function whoMayRun(verb: Verb): Role {
  return VERB_TABLE.find((spec) => spec.verb === verb)?.who ?? 'operator';
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { store, config, upgrades } = deps;
  const governed: GovernanceDeps | undefined = deps.governance && {
    config,
    store,
    upgrades,
    governance: deps.governance.store,
    clock: deps.governance.clock,
    announce: deps.governance.announce,
  };

  const audited: Step = async (command, next) => {
    const { actor, request, approved } = command;
    const args: Record<string, unknown> = { ...request };
    const answered = request.verb === 'approve' || request.verb === 'reject' ? request.request : undefined;
    // PostgreSQL cannot store NUL: every text of the record is cleaned.
    const record = (outcome: string, upgradeId: number | undefined, requestId?: number) =>
      store.audit({
        actor,
        command: request.verb,
        args: asRecord(cleanDeep(args)),
        outcome: cleanText(outcome),
        upgradeId: upgradeId ?? approved?.upgradeId ?? null,
        requestId: requestId ?? approved?.requestId ?? answered ?? null,
        environment: command.environment === undefined ? null : cleanText(command.environment),
      });
    const asked = 'id' in request ? request.id : undefined;
    let outcome: Outcome;
    try {
      outcome = await next();
    } catch (error) {
      if (!(error instanceof DroverError)) {
        await record(`error: ${error instanceof Error ? error.message : String(error)}`, asked);
        throw error;
      }
      outcome = refusal(error.message);
    }
    await record(
      outcome.record ?? (outcome.ok ? 'ok' : `refused: ${outcome.text}`),
      outcome.snapshot?.upgrade.id ?? outcome.upgradeId ?? asked,
      outcome.requestId,
    );
    return outcome;
  };

  /**
   * Mutating verbs only from the served Slack workspace and the channels of the environment they
   * act on (origin.ts): the one they name, or the one their upgrade, request or failure is of.
   */
  const placed: Step = async ({ request, context, environment }, next) => {
    const env = 'env' in request ? request.env : undefined;
    const misplaced = originRefusal(
      config,
      context.origin,
      { verb: request.verb, env, target: environment },
      whoMayRun(request.verb) !== 'anyone',
    );
    return misplaced ? refusal(misplaced) : next();
  };

  // Roles are the environment's where it has its own lists (PRODUCT.md, "Who may do what").
  const authorized: Step = async ({ actor, request, context, environment }, next) => {
    const who = whoMayRun(request.verb);
    if (mayRun(config, actor, who, context, environment)) return next();
    const own = listsFor(config, environment)[who === 'developer' ? 'developersKey' : 'operatorsKey'];
    return refusal(
      refusalText(config, request.verb, who, environment),
      `not ${who === 'developer' ? 'a developer or operator' : `an ${who}`}${own.startsWith('environments.') ? ` of ${environment}` : ''}`,
    );
  };

  // Askers of the same status share reads (shared-read.ts): under load, one read per target
  // is in flight, however many ask.
  const statusRead = sharedRead((key) => readStatus({ upgrades, governance: governed }, JSON.parse(key)));
  const readShared = (request: { env?: string; id?: number }) =>
    statusRead(JSON.stringify({ env: request.env, id: request.id }));

  const carriedOut = async ({ actor, request, environment }: Command): Promise<Outcome> => {
    const acted = await act({ ...deps, governance: governed, readStatus: readShared }, actor, request, {
      environment,
      carryOut: (requester, carried, context, approved) =>
        run({ actor: requester, request: carried, context, approved }),
    });
    return { ...acted, ephemeral: acted.ephemeral ?? false, ok: true };
  };

  const chain: readonly Step[] = [
    audited,
    authorized,
    placed,
    ...(governed ? [governanceStep(governed)] : []),
    ...(deps.policies ?? []),
  ];
  const through = (command: Command, index = 0): Promise<Outcome> => {
    const step = chain[index];
    return step ? step(command, () => through(command, index + 1)) : carriedOut(command);
  };
  /** Runs a command through the chain, about the environment it names or implies. */
  const run = async (command: Command & { approved?: Approved | undefined }): Promise<Outcome> =>
    through({
      ...command,
      environment: await environmentFor(
        { config, store, governance: deps.governance?.store },
        command.request,
      ),
    });

  return {
    async handle(caller, input, context = {}) {
      const named = withPersonName(config, caller);
      const actor = { ...named, id: cleanText(named.id), name: cleanText(named.name) };
      let request: CommandRequest;
      try {
        if (typeof input === 'string') checkCommandLine(input, usageOf(undefined));
        request = typeof input === 'string' ? parseCommand(input) : cleanRequest(input);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        // Malformed input changes nothing, but who tried what is still on record.
        const line = typeof input === 'string' ? cleanText(input.trim().slice(0, 500)) : '';
        const verb =
          line
            .replace(/^\/?upgrade\b/, '')
            .trim()
            .split(/\s+/)[0] || 'usage';
        await store.audit({
          actor,
          command: verb,
          args: { line },
          outcome: cleanText(`usage: ${error.message}`),
        });
        return { text: error.message, ephemeral: true, ok: false };
      }
      try {
        return await run({ actor, request, context });
      } catch (error) {
        if (error instanceof DroverError || !deps.onError) throw error;
        // The stack goes to the log (the audit has the error); the user gets one line.
        deps.onError(error);
        return {
          text: `drover failed to ${request.verb}: ${oneLine(error)} (details are in drover's log)`,
          ephemeral: true,
          ok: false,
        };
      }
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

/** A request built by a platform (a button, a thread reply): free text cleaned for the store. */
function cleanRequest(request: CommandRequest): CommandRequest {
  return 'note' in request && request.note !== undefined
    ? { ...request, note: cleanText(request.note) }
    : request;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 200);
}

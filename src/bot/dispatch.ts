// The one path every command takes, whatever it came from (Slack, Discord, the console, the
// CLI, the deploy webhook): parse → audit ⟮ authorize → policies… → act ⟯ → reply.
// Each stage after parsing is a `Step` of a small middleware chain; governance (approvals,
// locks, freezes) plugs in as a policy step between authorization and the act (README.md).
import type { Config } from '../config/schema.js';
import type { Upgrades } from '../engine/api.js';
import type { Store, UpgradeSnapshot } from '../engine/ports.js';
import type { Actor, Plan } from '../engine/types.js';
import { DroverError, UsageError } from '../errors.js';
import { act } from './act.js';
import { type ActorContext, mayRun } from './auth.js';
import { type CommandRequest, parseCommand, type Role, usageOf, VERB_TABLE, type Verb } from './grammar.js';
import { checkCommandLine, cleanDeep, cleanText } from './input.js';
import { originRefusal } from './origin.js';

export interface Reply {
  text: string;
  /** Shown only to the person who asked (usage errors, refusals, dry runs). */
  ephemeral: boolean;
  ok: boolean;
}

/** A reply and what the command produced, for the callers that print or drive it (the CLI). */
export interface Outcome extends Reply {
  /** The upgrade the command acted on or started. */
  snapshot?: UpgradeSnapshot | undefined;
  /** `status`: the upgrades it found. */
  snapshots?: UpgradeSnapshot[] | undefined;
  /** `plan`: the dry run. */
  plan?: Plan | undefined;
  /** The outcome as the audit log records it (default `ok`, or `refused: <text>`). */
  record?: string;
}

/** One parsed command on its way through the chain. */
export interface Command {
  actor: Actor;
  request: CommandRequest;
  context: ActorContext;
}

/**
 * A stage of the chain: look at the command, then return `next()` to let it go on, or return
 * an outcome of your own (`refusal(…)`) to stop it there. Throwing a DroverError refuses too.
 * Whatever a step returns is audited and becomes the reply.
 */
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
  /** Policy steps run, in order, after authorization and before the verb is carried out. */
  policies?: readonly Step[];
  /** An unexpected error (a bug, the database gone): logged with its stack; the user gets one line. */
  onError?: (error: unknown) => void;
}

export interface Dispatcher {
  handle(actor: Actor, input: string | CommandRequest, context?: ActorContext): Promise<Outcome>;
  /** Whether the actor's role allows the verb (adapters use it to choose a private answer early). */
  permits(actor: Actor, verb: string, context?: ActorContext): boolean;
}

export function whoMayRun(verb: Verb): Role {
  return VERB_TABLE.find((spec) => spec.verb === verb)?.who ?? 'operator';
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { store, config } = deps;

  const audited: Step = async (command, next) => {
    const { actor, request } = command;
    const args: Record<string, unknown> = { ...request };
    // PostgreSQL cannot store NUL: every text of the record is cleaned.
    const record = (outcome: string, upgradeId: number | undefined) =>
      store.audit({
        actor,
        command: request.verb,
        args: asRecord(cleanDeep(args)),
        outcome: cleanText(outcome),
        upgradeId: upgradeId ?? null,
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
      outcome.snapshot?.upgrade.id ?? asked,
    );
    return outcome;
  };

  /** Mutating verbs only from the served Slack workspace and the environment's channels (origin.ts). */
  const placed: Step = async ({ request, context }, next) => {
    const env = 'env' in request ? request.env : undefined;
    const misplaced = originRefusal(
      config,
      context.origin,
      { verb: request.verb, env },
      whoMayRun(request.verb) !== 'anyone',
    );
    return misplaced ? refusal(misplaced) : next();
  };

  const authorized: Step = async ({ actor, request, context }, next) => {
    const who = whoMayRun(request.verb);
    if (mayRun(config, actor, who, context)) return next();
    const whom = who === 'developer' ? 'developers and operators' : 'operators';
    return refusal(
      `only ${whom} may ${request.verb}; ask one of them, or get added to \`${who}s:\` in drover.yaml`,
      `not ${who === 'developer' ? 'a developer or operator' : `an ${who}`}`,
    );
  };

  const carriedOut = async ({ actor, request }: Command): Promise<Outcome> => {
    const acted = await act(deps, actor, request);
    return { ...acted, ephemeral: acted.ephemeral ?? false, ok: true };
  };

  const chain: readonly Step[] = [audited, authorized, placed, ...(deps.policies ?? [])];
  const run = (command: Command, index = 0): Promise<Outcome> => {
    const step = chain[index];
    return step ? step(command, () => run(command, index + 1)) : carriedOut(command);
  };

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

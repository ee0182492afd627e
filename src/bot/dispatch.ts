// One place every chat command passes through, whatever the platform: parse, authorize,
// act through the engine's API, audit, and say what happened (or how to fix the input).
import type { Config } from '../config/schema.js';
import type { StartOptions, Target, Upgrades } from '../engine/api.js';
import type { Store } from '../engine/ports.js';
import type { Actor } from '../engine/types.js';
import { DroverError, RefusedError, UsageError } from '../errors.js';
import { type ActorContext, mayRun } from './auth.js';
import { type CommandRequest, helpText, parseCommand, usageOf, VERB_TABLE } from './grammar.js';
import { checkCommandLine, cleanDeep, cleanText } from './input.js';
import { originRefusal } from './origin.js';
import { describeSnapshot, planTable } from './render/text.js';

export interface Reply {
  text: string;
  /** Shown only to the person who asked (usage errors, refusals, dry runs). */
  ephemeral: boolean;
  ok: boolean;
}

export interface DispatcherDeps {
  upgrades: Upgrades;
  store: Store;
  config: Config;
  /** Posts the environment's digest now (`/upgrade digest`). */
  digest?: (environment: string | undefined) => Promise<string>;
  /** An unexpected error (a bug, the database gone): logged with its stack; the user gets one line. */
  onError?: (error: unknown) => void;
}

export interface Dispatcher {
  handle(actor: Actor, input: string | CommandRequest, context?: ActorContext): Promise<Reply>;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { upgrades, store, config } = deps;
  const audit = (
    actor: Actor,
    command: string,
    args: Record<string, unknown>,
    outcome: string,
    upgradeId?: number,
  ) =>
    store.audit({
      actor,
      command: cleanText(command),
      args: asRecord(cleanDeep(args)),
      outcome: cleanText(outcome),
      upgradeId: upgradeId ?? null,
    });

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

  async function act(
    actor: Actor,
    request: CommandRequest,
  ): Promise<{ text: string; upgradeId?: number; ephemeral?: boolean }> {
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
        if (request.verb === 'plan')
          return { text: planTable(await upgrades.plan(request.release, options)), ephemeral: true };
        const snapshot = await upgrades.start(actor, request.release, options);
        const { upgrade } = snapshot;
        return {
          text: `upgrade #${upgrade.id} started: ${upgrade.environment} → ${upgrade.release}, ${upgrade.plan.strategy.kind}, ${snapshot.waves.length} wave(s), ${snapshot.units.length} unit(s)`,
          upgradeId: upgrade.id,
        };
      }
      case 'status': {
        const snapshots = await upgrades.status(target(request));
        return { text: snapshots.map(describeSnapshot).join('\n\n') || 'no upgrades yet', ephemeral: true };
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
      default: {
        const snapshot = await upgrades[request.verb](actor, target(request));
        return {
          text: `upgrade #${snapshot.upgrade.id}: ${snapshot.upgrade.state}${snapshot.upgrade.reason ? ` — ${snapshot.upgrade.reason}` : ''}`,
          upgradeId: snapshot.upgrade.id,
        };
      }
    }
  }

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
        const line = typeof input === 'string' ? input.trim().slice(0, 500) : '';
        await audit(
          actor,
          line
            .replace(/^\/?upgrade\b/, '')
            .trim()
            .split(/\s+/)[0] || 'usage',
          { line },
          `usage: ${error.message}`,
        );
        return { text: error.message, ephemeral: true, ok: false };
      }
      const args = { ...request } as Record<string, unknown>;
      const who = VERB_TABLE.find((spec) => spec.verb === request.verb)!.who;
      const misplaced = originRefusal(config, context.origin, request, who !== 'anyone');
      if (misplaced) {
        await audit(actor, request.verb, args, `refused: ${misplaced}`);
        return { text: misplaced, ephemeral: true, ok: false };
      }
      if (!mayRun(config, actor, who, context)) {
        await audit(
          actor,
          request.verb,
          args,
          `refused: not ${who === 'developer' ? 'a developer or operator' : `an ${who}`}`,
        );
        const whom = who === 'developer' ? 'developers and operators' : 'operators';
        return {
          text: `only ${whom} may ${request.verb}; ask one of them, or get added to \`${who}s:\` in drover.yaml`,
          ephemeral: true,
          ok: false,
        };
      }
      try {
        const result = await act(actor, request);
        await audit(actor, request.verb, args, 'ok', result.upgradeId);
        return { text: result.text, ephemeral: result.ephemeral ?? false, ok: true };
      } catch (error) {
        if (!(error instanceof DroverError)) {
          // The stack goes to the log; the user gets one line and nothing was done by halves.
          if (!deps.onError) throw error;
          deps.onError(error);
          return {
            text: `drover failed to ${request.verb}: ${oneLine(error)} (details are in drover's log)`,
            ephemeral: true,
            ok: false,
          };
        }
        await audit(actor, request.verb, args, `refused: ${error.message}`);
        return { text: error.message, ephemeral: true, ok: false };
      }
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

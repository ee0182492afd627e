// Who may do what: operators run mutating verbs, developers (and operators) acknowledge and
// read the audit, everyone reads the rest. Decided by chat user ids from the config, never by
// display names; an environment's own `operators:` / `developers:` replace the top-level lists
// there, and a refusal names the list the user is missing from.
import type { ChatIds, Config } from '../config/schema.js';
import type { Actor } from '../engine/types.js';
import type { Role } from './grammar.js';
import type { Origin } from './origin.js';

export interface ActorContext {
  /** Discord role ids of the member, when the platform gives them. */
  discordRoles?: string[];
  /** Where a chat command came from (team, channel, DM); absent for the CLI and the console. */
  origin?: Origin;
}

/** The console acts as a configured person with an actor id `console:person:<email>`. */
export const CONSOLE_PERSON = 'console:person:';

type ChatUser = { slack?: string | undefined; discord?: string | undefined };

function chatUserOf(config: Config, actor: Actor): ChatUser | 'trusted' | undefined {
  const [platform, ...rest] = actor.id.split(':');
  const id = rest.join(':');
  if (platform === 'slack') return { slack: id };
  if (platform === 'discord') return { discord: id };
  if (actor.id.startsWith(CONSOLE_PERSON)) {
    const email = actor.id.slice(CONSOLE_PERSON.length);
    const person = config.people.find((p) => p.email === email || p.aliases.includes(email));
    return { slack: person?.slack, discord: person?.discord };
  }
  // Whoever can read the config and the database is trusted, as with a kubeconfig.
  if (platform === 'cli' || platform === 'console' || platform === 'webhook') return 'trusted';
  return undefined;
}

/** The lists that decide roles in `environment` (its own where it has them), with their config paths. */
export function listsFor(
  config: Config,
  environment: string | undefined,
): { operators: ChatIds; developers: ChatIds; operatorsKey: string; developersKey: string } {
  const env =
    environment !== undefined && Object.hasOwn(config.environments, environment)
      ? config.environments[environment]
      : undefined;
  return {
    operators: env?.operators ?? config.operators,
    developers: env?.developers ?? config.developers,
    operatorsKey: env?.operators ? `environments.${environment}.operators` : 'operators',
    developersKey: env?.developers ? `environments.${environment}.developers` : 'developers',
  };
}

function listed(ids: ChatIds, user: ChatUser, context: ActorContext): boolean {
  if (user.slack && ids.slack.includes(user.slack)) return true;
  if (user.discord && ids.discord.includes(user.discord)) return true;
  return Boolean(user.discord && context.discordRoles?.some((id) => ids.discordRoles.includes(id)));
}

/** The actor's roles in `environment` (undefined: the top-level lists). */
export function rolesOf(
  config: Config,
  actor: Actor,
  context: ActorContext = {},
  environment?: string,
): Set<Role> {
  const roles = new Set<Role>(['anyone']);
  const user = chatUserOf(config, actor);
  if (user === 'trusted') roles.add('operator');
  else if (user) {
    const lists = listsFor(config, environment);
    if (listed(lists.operators, user, context)) roles.add('operator');
    if (listed(lists.developers, user, context)) roles.add('developer');
  }
  if (roles.has('operator')) roles.add('developer');
  return roles;
}

export function mayRun(
  config: Config,
  actor: Actor,
  who: Role,
  context: ActorContext = {},
  environment?: string,
): boolean {
  return rolesOf(config, actor, context, environment).has(who);
}

/** The reply to someone lacking the role: who may, and which list of drover.yaml to join. */
export function refusalText(config: Config, verb: string, who: Role, environment?: string): string {
  const lists = listsFor(config, environment);
  const whom = who === 'developer' ? 'developers and operators' : 'operators';
  const key = who === 'developer' ? lists.developersKey : lists.operatorsKey;
  const where = key.startsWith('environments.') ? ` of ${environment}` : '';
  return `only ${whom}${where} may ${verb}; ask one of them, or get added to \`${key}:\` in drover.yaml`;
}

// Who may do what: operators run mutating verbs, developers (and operators) acknowledge,
// everyone reads. Decided by chat user ids from the config, never by display names.
import type { Config } from '../config/schema.js';
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

export function rolesOf(config: Config, actor: Actor, context: ActorContext = {}): Set<Role> {
  const roles = new Set<Role>(['anyone']);
  const grant = (
    ids: Config['operators'],
    role: Role,
    user: { slack?: string | undefined; discord?: string | undefined },
  ) => {
    if (user.slack && ids.slack.includes(user.slack)) roles.add(role);
    if (user.discord && ids.discord.includes(user.discord)) roles.add(role);
    if (user.discord && context.discordRoles?.some((id) => ids.discordRoles.includes(id))) roles.add(role);
  };
  const [platform, ...rest] = actor.id.split(':');
  const id = rest.join(':');
  let user: { slack?: string | undefined; discord?: string | undefined } = {};
  if (platform === 'slack') user = { slack: id };
  else if (platform === 'discord') user = { discord: id };
  else if (actor.id.startsWith(CONSOLE_PERSON)) {
    const email = actor.id.slice(CONSOLE_PERSON.length);
    const person = config.people.find((p) => p.email === email || p.aliases.includes(email));
    user = { slack: person?.slack, discord: person?.discord };
  } else if (platform === 'cli' || platform === 'console' || platform === 'webhook') {
    // Whoever can read the config and the database is trusted, as with a kubeconfig.
    roles.add('operator');
  }
  grant(config.operators, 'operator', user);
  grant(config.developers, 'developer', user);
  if (roles.has('operator')) roles.add('developer');
  return roles;
}

export function mayRun(config: Config, actor: Actor, who: Role, context: ActorContext = {}): boolean {
  return rolesOf(config, actor, context).has(who);
}

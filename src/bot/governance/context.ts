// What governance needs from the process: the config, both stores, the engine's verbs, the
// clock, and a way to post to an environment's channels (through the outbox).

import { timezoneOf } from '../../config/governance.js';
import type { Config } from '../../config/schema.js';
import type { Upgrades } from '../../engine/api.js';
import type { Clock, Store } from '../../engine/ports.js';
import type { CommandRequest } from '../grammar.js';
import type { ChatMessage } from '../model.js';
import type { GovernanceStore } from './ports.js';

export interface GovernanceDeps {
  config: Config;
  store: Store;
  governance: GovernanceStore;
  upgrades: Upgrades;
  clock: Clock;
  /** Posts `message` to the environment's channels under `key` (a later one with the same key edits it). */
  announce?: ((environment: string, key: string, message: ChatMessage) => Promise<void>) | undefined;
}

export { timezoneOf };

export function environmentConfig(config: Config, environment: string | undefined) {
  return environment !== undefined && Object.hasOwn(config.environments, environment)
    ? config.environments[environment]
    : undefined;
}

/**
 * The environment a command is about, for per-environment roles and policies: the one it
 * names, else that of the request, upgrade or failure it names, else the only one configured,
 * else the only one with an active upgrade. Undefined when it cannot tell (the top-level lists
 * then decide, and the engine asks which environment).
 */
export async function environmentFor(
  deps: Pick<GovernanceDeps, 'config' | 'store'> & {
    governance?: Pick<GovernanceStore, 'request'> | undefined;
  },
  request: CommandRequest,
): Promise<string | undefined> {
  const { config, store } = deps;
  if ('env' in request && request.env) return request.env;
  if (request.verb === 'approve' || request.verb === 'reject')
    return (await deps.governance?.request(request.request))?.environment;
  if ('id' in request && request.id) return (await store.load(request.id))?.upgrade.environment;
  if (request.verb === 'ack' && request.failure !== undefined) {
    const failure = await store.failure(request.failure);
    return failure ? (await store.load(failure.upgradeId))?.upgrade.environment : undefined;
  }
  const names = Object.keys(config.environments);
  if (names.length === 1) return names[0];
  if (request.verb === 'start' || request.verb === 'plan' || request.verb === 'help') return undefined;
  const active = await store.active();
  return active.length === 1 ? active[0]!.environment : undefined;
}

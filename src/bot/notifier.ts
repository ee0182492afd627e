// Engine events → chat messages, through the outbox. The cursor moves in the same
// transaction as the messages are enqueued, so each event is rendered exactly once, even
// across restarts; the outbox worker delivers them whenever the platform answers.
import type { Config } from '../config/schema.js';
import { own } from '../engine/lookup.js';
import type { Clock, EngineEvent, Store, UpgradeSnapshot } from '../engine/ports.js';
import type { OutgoingMessage, Platform } from './model.js';
import type { Outbox } from './ports.js';
import { failureMessage } from './render/failure.js';
import { threadLine } from './render/thread.js';
import { upgradeMessage } from './render/upgrade.js';

export interface NotifierDeps {
  config: Config;
  store: Store;
  outbox: Outbox;
  /** Platforms this process renders for, e.g. ['slack', 'discord'] or ['console']. */
  platforms: Platform[];
  /** The consumer name of the cursor; one per set of platforms. */
  consumer?: string;
  /**
   * Events that only move the progress bar (units finishing) edit the upgrade message at most
   * this often; they wait, unread, for the next pass after it. Anything else goes out at once.
   * Chat platforms rate-limit edits (Slack's chat.update ~50 a minute, Discord 5 per 5 s per
   * channel), and a 200-node upgrade finishes units many times a second. Default 0: no wait.
   */
  progressEveryMs?: number;
  clock?: Clock;
}

export interface Notifier {
  /** Renders every event not yet rendered (or held back, see progressEveryMs); returns how many it rendered. */
  runOnce(): Promise<number>;
}

export function channelsOf(
  config: Config,
  environment: string,
  platforms: Platform[],
): Array<{ platform: Platform; channel: string }> {
  const env = own(config.environments, environment);
  if (!env) return [];
  return platforms.flatMap((platform): Array<{ platform: Platform; channel: string }> => {
    if (platform === 'console') return [{ platform, channel: environment }];
    const channel = env.channels[platform];
    return channel ? [{ platform, channel }] : [];
  });
}

const UPGRADE_EVENTS = /^(upgrade|wave|unit)\.|^command$/;

export function messagesFor(
  event: EngineEvent,
  snapshot: UpgradeSnapshot,
  config: Config,
  platforms: Platform[],
): OutgoingMessage[] {
  const upgradeKey = `upgrade:${snapshot.upgrade.id}`;
  const items: Array<Omit<OutgoingMessage, 'platform' | 'channel'>> = [];
  if (UPGRADE_EVENTS.test(event.type))
    items.push({ key: upgradeKey, threadOf: null, message: upgradeMessage(snapshot) });
  const failure =
    event.type === 'failure.opened'
      ? snapshot.failures.find((f) => f.fingerprint === event.data.fingerprint)
      : snapshot.failures.find((f) => f.id === event.data.failureId);
  if (failure && event.type.startsWith('failure.')) {
    items.push({
      key: `failure:${failure.id}`,
      threadOf: null,
      message: failureMessage(failure, snapshot, config),
    });
  }
  const line = threadLine(event, snapshot);
  if (line) {
    const parent =
      (event.type === 'bisect.progress' || event.type === 'failure.acked') && event.data.failureId
        ? `failure:${event.data.failureId}`
        : upgradeKey;
    items.push({ key: `${parent}:event:${event.id}`, threadOf: parent, message: line });
  }
  return channelsOf(config, snapshot.upgrade.environment, platforms).flatMap(({ platform, channel }) =>
    items.map((item) => ({ ...item, platform, channel })),
  );
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const consumer = deps.consumer ?? `notifier:${[...deps.platforms].sort().join(',')}`;
  let renderedAt = Number.NEGATIVE_INFINITY;
  return {
    async runOnce() {
      const cursor = await deps.outbox.cursor(consumer);
      const events = await deps.store.eventsAfter(cursor, 200);
      if (events.length === 0) return 0;
      const now = (deps.clock?.now() ?? new Date()).getTime();
      const progressOnly = events.every((event) => event.type === 'unit.finished');
      if (progressOnly && now - renderedAt < (deps.progressEveryMs ?? 0)) return 0;
      renderedAt = now;
      const snapshots = new Map<number, UpgradeSnapshot | undefined>();
      const items: OutgoingMessage[] = [];
      for (const event of events) {
        if (!snapshots.has(event.upgradeId))
          snapshots.set(event.upgradeId, await deps.store.load(event.upgradeId));
        const snapshot = snapshots.get(event.upgradeId);
        if (snapshot) items.push(...messagesFor(event, snapshot, deps.config, deps.platforms));
      }
      await deps.outbox.enqueueFromEvents(consumer, events.at(-1)!.id, items);
      return events.length;
    },
  };
}

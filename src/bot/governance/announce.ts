// Governance posts to an environment's channels through the durable outbox, on the platforms
// this process serves (as the notifier does): a later post with the same key edits the first.
import type { Config } from '../../config/schema.js';
import type { ChatMessage, Platform } from '../model.js';
import { channelsOf } from '../notifier.js';
import type { Outbox } from '../ports.js';

export function createAnnouncer(
  outbox: Outbox,
  config: Config,
  platforms: readonly Platform[],
): (environment: string, key: string, message: ChatMessage) => Promise<void> {
  return async (environment, key, message) => {
    const items = channelsOf(config, environment, [...platforms]).map(({ platform, channel }) => ({
      platform,
      channel,
      key,
      threadOf: null,
      message,
    }));
    if (items.length > 0) await outbox.enqueue(items);
  };
}

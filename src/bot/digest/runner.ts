// The digest scheduler: on each tick, for every environment with a `digest:` schedule, post
// the due run once across all drover processes — claimed in the database, finished after it
// is in the outbox; a claim left by a process that died goes stale and another one posts it
// (under the same outbox key, so a half-done run is completed, not duplicated).
import type { Config } from '../../config/schema.js';
import { own } from '../../engine/lookup.js';
import type { Clock, Store } from '../../engine/ports.js';
import { UsageError } from '../../errors.js';
import type { OutgoingMessage, Platform } from '../model.js';
import { channelsOf } from '../notifier.js';
import type { DigestRuns, Outbox } from '../ports.js';
import { digestContent } from './content.js';
import { gatherDigest } from './data.js';
import type { DigestQueries } from './ports.js';
import { checkSchedule, dueRun, nextRun } from './schedule.js';
import { type Limits, PLATFORM_LIMITS } from './split.js';

export interface DigestSchedulerOptions {
  config: Config;
  store: Store;
  queries: DigestQueries;
  digests: DigestRuns;
  outbox: Outbox;
  clock: Clock;
  /** This process, as recorded on its claims (e.g. `host:pid`). */
  owner: string;
  /** Platforms this process renders for; each environment's channel on each gets the digest. */
  platforms: Platform[];
  /** A claim older than this, unfinished, is taken over (default 2 minutes). */
  staleMs?: number;
  /** How often the loop started by start() evaluates the schedules (default 30 s). */
  pollMs?: number;
  limits?: Partial<Record<Platform, Limits>>;
  /** Where failures of a background tick go (default: stderr). */
  onError?: (error: unknown, environment: string) => void;
}

export interface DigestScheduler {
  /** Evaluates every schedule once and posts what is due. */
  tick(): Promise<void>;
  /** Posts the environment's digest now (`/upgrade digest [env=E]`); answers what it did. */
  postDigestNow(environment: string | undefined): Promise<string>;
  /** Runs tick() every pollMs on the clock until stop(). */
  start(): void;
  stop(): Promise<void>;
}

const DAY = 86_400_000;

export function digestKey(environment: string, at: Date, part: number): string {
  return `digest:${environment}:${at.toISOString()}${part > 0 ? `:part${part + 1}` : ''}`;
}

/** Throws DroverError `config_invalid` when an environment's digest schedule is invalid. */
export function createDigestScheduler(options: DigestSchedulerOptions): DigestScheduler {
  const { config, store, queries, digests, outbox, clock, owner, platforms } = options;
  const staleMs = options.staleMs ?? 120_000;
  const pollMs = options.pollMs ?? 30_000;
  // A schedule that cannot be evaluated fails at start, naming the fix, not at 09:00.
  for (const env of Object.values(config.environments))
    if (env.digest) checkSchedule(env.digest.cron, env.digest.timezone);
  const onError =
    options.onError ??
    ((error: unknown, environment: string) =>
      console.error(`digest of ${environment} failed; it is retried once its claim goes stale:`, error));

  /** Builds the digest and enqueues it to every channel; returns how many messages. */
  async function post(
    environment: string,
    at: Date,
    since: Date,
  ): Promise<{ messages: number; channels: string[] }> {
    const env = own(config.environments, environment)!;
    const schedule = env.digest;
    const timezone = schedule?.timezone ?? 'UTC';
    const now = clock.now();
    const next = schedule ? nextRun(schedule.cron, timezone, now) : undefined;
    const data = await gatherDigest({ store, queries }, environment, { at, now, since, next });
    const items: OutgoingMessage[] = [];
    const channels = channelsOf(config, environment, platforms);
    for (const { platform, channel } of channels) {
      const limits = { ...PLATFORM_LIMITS[platform], ...options.limits?.[platform] };
      const parts = digestContent(data, config, { ...limits, timezone, quiet: schedule?.quiet ?? 'line' });
      for (const [part, message] of parts.entries())
        items.push({ platform, channel, key: digestKey(environment, at, part), threadOf: null, message });
    }
    if (items.length > 0) await outbox.enqueue(items);
    return { messages: items.length, channels: channels.map((c) => `${c.platform} ${c.channel}`) };
  }

  async function tickEnvironment(environment: string): Promise<void> {
    const schedule = own(config.environments, environment)?.digest;
    if (!schedule) return;
    const now = clock.now();
    const last = await digests.last(environment);
    const due = dueRun(schedule.cron, schedule.timezone, last?.scheduledAt, now);
    if (!due) return;
    if (!(await digests.claim(environment, due, owner, now, staleMs))) return;
    await post(environment, due, last?.finishedAt ?? new Date(due.getTime() - DAY));
    await digests.finish(environment, due, clock.now());
  }

  async function tick(): Promise<void> {
    for (const environment of Object.keys(config.environments)) {
      try {
        await tickEnvironment(environment);
      } catch (error) {
        onError(error, environment);
      }
    }
  }

  let loop: Promise<void> | undefined;
  let abort: AbortController | undefined;

  return {
    tick,

    async postDigestNow(requested) {
      const names = Object.keys(config.environments);
      const environment = requested ?? (names.length === 1 ? names[0] : undefined);
      if (!environment)
        throw new UsageError(`name the environment: /upgrade digest env=E (one of ${names.join(', ')})`);
      if (!own(config.environments, environment))
        throw new UsageError(`unknown environment ${environment}; one of ${names.join(', ')}`);
      const now = clock.now();
      const last = await digests.last(environment);
      // Recorded as a run, so the next digest's "since the last digest" starts here.
      await digests.claim(environment, now, owner, now, staleMs);
      const { messages, channels } = await post(
        environment,
        now,
        last?.finishedAt ?? new Date(now.getTime() - DAY),
      );
      await digests.finish(environment, now, clock.now());
      if (channels.length === 0)
        return `${environment} has no chat channel for ${platforms.join('/')}: set environments.${environment}.channels`;
      if (messages === 0) return `the ${environment} digest has nothing to say (quiet: silent)`;
      return `posting the ${environment} digest to ${channels.join(', ')}`;
    },

    start() {
      if (loop) return;
      const controller = new AbortController();
      abort = controller;
      loop = (async () => {
        while (!controller.signal.aborted) {
          await tick();
          await clock.sleep(pollMs, controller.signal);
        }
      })();
    },

    async stop() {
      abort?.abort();
      await loop;
      loop = undefined;
      abort = undefined;
    },
  };
}

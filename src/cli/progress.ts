// What the CLI prints while it drives an upgrade; following and driving outlive a database
// that goes away for a while (they pause and go on).
import { setTimeout as delay } from 'node:timers/promises';
import { isTransientDatabaseError } from '../adapters/db/transient.js';
import type { EngineEvent } from '../engine/ports.js';
import { backoff } from '../engine/supervise.js';
import type { Runtime } from './runtime.js';

export function describeEvent(event: EngineEvent): string | undefined {
  const d = event.data as Record<string, string | number | null | undefined>;
  switch (event.type) {
    case 'upgrade.started':
      return `upgrade #${event.upgradeId} started`;
    case 'wave.started':
      return `wave ${Number(d.wave) + 1} (${d.service}) started`;
    case 'wave.finished':
      return `wave ${Number(d.wave) + 1} (${d.service}) finished${d.failed ? ` with ${d.failed} failure(s)` : ''}`;
    case 'unit.finished':
      return `  ${d.service} on ${d.node}: ${d.state}`;
    case 'failure.opened':
      return `  FAILURE: ${d.service} ${d.phase} on ${d.node}`;
    case 'failure.attributed':
      return `  failure #${d.failureId} attributed (${d.how}${d.sha ? ` ${String(d.sha).slice(0, 7)}` : ''})`;
    case 'bisect.progress':
      return `  ${d.text ?? 'bisecting…'}`;
    case 'upgrade.paused':
    case 'upgrade.gated':
    case 'upgrade.completed':
    case 'upgrade.rolled_back':
    case 'upgrade.failed':
    case 'upgrade.aborted':
    case 'upgrade.rolling_back':
    case 'upgrade.resumed':
      return `upgrade #${event.upgradeId}: ${event.type.slice('upgrade.'.length).replace('_', ' ')}`;
    default:
      return undefined;
  }
}

/** Prints the upgrade's new events as they are stored; returns a function that stops and flushes. */
export async function followEvents(
  runtime: Runtime,
  upgradeId: number,
  print: (line: string) => void,
): Promise<() => Promise<void>> {
  let cursor = 0;
  let stopped = false;
  const flush = async () => {
    for (;;) {
      const events = await runtime.db.store.eventsAfter(cursor, 500);
      if (events.length === 0) return;
      cursor = events[events.length - 1]!.id;
      for (const event of events) {
        if (event.upgradeId !== upgradeId) continue;
        const line = describeEvent(event);
        if (line) print(line);
      }
    }
  };
  // Start after every event stored so far: only what happens from now on is printed.
  cursor = await runtime.db.store.lastEventId();
  // Stopping wakes the loop at once: the CLI exits as soon as the upgrade rests.
  let wake: () => void = () => undefined;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        await flush();
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1)
          print(`  (the database did not answer: ${messageOf(error)}; following again when it does)`);
        await delay(backoff(failures, 250, 5_000));
        continue;
      }
      await new Promise<void>((resolve) => {
        if (stopped) return resolve();
        const timer = setTimeout(resolve, 250);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return async () => {
    stopped = true;
    wake();
    await loop;
    await reconnecting(flush, print);
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs `work` again, after a growing pause, while it fails because the database is
 * unreachable (restarting, refusing connections); any other error is thrown at once.
 */
export async function reconnecting<T>(
  work: () => Promise<T>,
  print: (line: string) => void,
  maxWaitMs = 10_000,
): Promise<T> {
  for (let failures = 1; ; failures += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      const waitMs = backoff(failures, 250, maxWaitMs);
      print(
        `drover: the database did not answer (${messageOf(error)}); trying again in ${Math.ceil(waitMs / 1000)}s`,
      );
      await delay(waitMs);
    }
  }
}

// What the CLI prints while it drives an upgrade.
import type { EngineEvent } from '../engine/ports.js';
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
  const loop = (async () => {
    while (!stopped) {
      await flush();
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
    await flush();
  };
}

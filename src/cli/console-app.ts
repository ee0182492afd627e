// The console as a chat platform in this process: the engine driving upgrades, the notifier
// rendering their events for the console, and the outbox delivering them to the screen.
import { createConsoleTransport } from '../adapters/console/transport.js';
import type { Dispatcher } from '../bot/dispatch.js';
import { createNotifier } from '../bot/notifier.js';
import { createOutboxWorker } from '../bot/outbox-worker.js';
import { isResting } from '../engine/driver.js';
import { debugStack } from './errors-out.js';
import { commandDispatcher, digestScheduler, type Runtime } from './runtime.js';

export interface ConsoleApp {
  dispatcher: Dispatcher;
  /** Resolves once every active upgrade rests and every message has been shown. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const CONSUMER = 'console';

export async function startConsoleApp(
  runtime: Runtime,
  write: (text: string) => void,
  fancy: boolean,
): Promise<ConsoleApp> {
  const { db, config, clock } = runtime;
  // Show what happens from now on, not the database's whole history.
  const last = await db.store.lastEventId();
  if ((await db.outbox.cursor(CONSUMER)) < last) await db.outbox.enqueueFromEvents(CONSUMER, last, []);

  const notifier = createNotifier({
    config,
    store: db.store,
    outbox: db.outbox,
    platforms: ['console'],
    consumer: CONSUMER,
  });
  const worker = createOutboxWorker({
    outbox: db.outbox,
    transport: createConsoleTransport({ write: (text) => write(text.replace(/\n$/, '')), fancy }),
    clock,
    owner: runtime.owner,
  });
  const digests = digestScheduler(runtime, ['console']);
  // The user sees one line; the stack goes to the debug log.
  const dispatcher = commandDispatcher(
    runtime,
    (env) => digests.postDigestNow(env),
    (error) => {
      const stack = debugStack(error, process.env);
      if (stack) process.stderr.write(`${stack}\n`);
    },
  );
  const abort = new AbortController();
  const serving = runtime.engine.serve(abort.signal);
  const pump = async () => (await notifier.runOnce()) + (await worker.drain());
  const background = (async () => {
    while (!abort.signal.aborted) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if ((await pump()) === 0) await clock.sleep(100, abort.signal);
    }
  })();

  return {
    dispatcher,
    async settle(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const active = await db.store.active();
        const snapshots = await Promise.all(active.map((u) => db.store.load(u.id)));
        const resting = snapshots.every((s) => !s || isResting(s));
        if (resting && (await pump()) === 0 && (await db.outbox.pending('console')) === 0) return;
        await clock.sleep(100);
      }
      write('  ! still busy after the wait; go on with status');
    },
    async stop() {
      abort.abort();
      await Promise.allSettled([serving, background]);
    },
  };
}

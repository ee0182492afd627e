// The notifier's pace: units finishing only move a progress bar, so they edit the upgrade
// message at most every progressEveryMs; anything else is rendered at once, with them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/bot/notifier.js';
import type { NewEvent } from '../../src/engine/ports.js';
import { createTestClock } from '../support/clock.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

describe('notifier', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1, strategy: '{ kind: all-at-once }' });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('holds progress-only events back until progressEveryMs has passed, and nothing else', async () => {
    const clock = createTestClock();
    const { config, database } = lab;
    const notifier = createNotifier({
      config,
      store: database.store,
      outbox: database.outbox,
      platforms: ['slack'],
      progressEveryMs: 1_000,
      clock,
    });
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const id = started.upgrade.id;
    const happen = (...events: NewEvent[]) => database.store.commit(id, null, { events });
    const finished: NewEvent = {
      type: 'unit.finished',
      data: { node: 'cmp-01', service: 'nova-compute', state: 'done' },
    };

    expect(await notifier.runOnce()).toBeGreaterThan(0); // the start, at once
    await happen(finished);
    expect(await notifier.runOnce()).toBe(0);
    clock.advance(999);
    expect(await notifier.runOnce()).toBe(0);
    clock.advance(1);
    expect(await notifier.runOnce()).toBe(1);
    // Progress with something else in the same batch goes out at once.
    await happen(finished, { type: 'wave.finished', data: { wave: 0, service: 'nova-compute', failed: 0 } });
    expect(await notifier.runOnce()).toBe(2);
    expect(await notifier.runOnce()).toBe(0);
    const queued = await database.outbox.claim('slack', 'test', clock.now(), 50, 60_000);
    expect(queued.some((item) => item.key === `upgrade:${id}`)).toBe(true);
  });
});

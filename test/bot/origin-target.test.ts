// A mutating verb that names no environment acts on the environment of what it targets (an
// upgrade id, the one active upgrade, a request, a failure): it is taken only in that
// environment's channel, not in another environment's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock.js';
import type { Database } from '../../src/adapters/db/open.js';
import { createDispatcher, type Dispatcher } from '../../src/bot/dispatch.js';
import type { Origin } from '../../src/bot/origin.js';
import { parseConfig } from '../../src/config/load.js';
import type { Actor } from '../../src/engine/types.js';
import { createUpgrades } from '../../src/engine/upgrades.js';
import { openstackYaml } from '../support/config.js';
import { openTestDatabase } from '../support/db.js';

const ops: Actor = { id: 'slack:U0OPS', platform: 'slack', name: 'ops' };
const from = (channel: string): { origin: Origin } => ({
  origin: { platform: 'slack', team: 'T1', expectedTeam: 'T1', channel },
});

describe('the channel of the environment a verb acts on', () => {
  let database: Database;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    database = await openTestDatabase();
    const yaml = openstackYaml({ controllers: 1, computes: 1 })
      .replace('environments:\n  lab:\n', 'environments:\n  lab:\n    channels: { slack: C0LAB }\n')
      .replace(
        'operators:',
        `  stage:
    channels: { slack: C0STAGE }
    nodes:
      - { name: s-ctl-1, host: 127.0.4.1, roles: [controller] }
operators:`,
      );
    const config = parseConfig(yaml, 'test.yaml', {});
    const upgrades = createUpgrades({ config, store: database.store, clock: systemClock });
    dispatcher = createDispatcher({ upgrades, store: database.store, config });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses pause of lab’s upgrade from stage’s channel, by id or as the one active; the engine answers it from lab’s', async () => {
    const started = await dispatcher.handle(ops, 'start havana env=lab', from('C0LAB'));
    expect(started.text).toMatch(/^upgrade #1 started/);
    const before = (await database.store.load(1))?.upgrade.state;
    for (const line of ['pause id=1', 'pause']) {
      const refused = await dispatcher.handle(ops, line, from('C0STAGE'));
      expect(refused.text, line).toMatch(/pause for lab is taken only in its channel \(<#C0LAB>\)/);
    }
    expect((await database.store.load(1))?.upgrade.state).toBe(before);
    const paused = await dispatcher.handle(ops, 'pause id=1', from('C0LAB'));
    // Past the origin check, the engine answers (nothing drives this upgrade, so it is still planned).
    expect(paused.text).toMatch(/^upgrade #1 is planned, not running/);
  });
});

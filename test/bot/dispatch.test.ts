// The dispatcher with the real engine API and a real (PGlite) store: what changes, what is
// refused, and what the audit log says.
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock.js';
import type { Database } from '../../src/adapters/db/open.js';
import { auditLog } from '../../src/adapters/db/schema.js';
import { createDispatcher, type Dispatcher } from '../../src/bot/dispatch.js';
import type { Actor } from '../../src/engine/types.js';
import { createUpgrades } from '../../src/engine/upgrades.js';
import { openstackConfig } from '../support/config.js';
import { openTestDatabase } from '../support/db.js';

const ops: Actor = { id: 'slack:U0OPS', platform: 'slack', name: 'ops' };
const dev: Actor = { id: 'slack:U0DEV', platform: 'slack', name: 'dev' };
const stranger: Actor = { id: 'slack:U9X', platform: 'slack', name: 'U0OPS' };

describe('dispatcher', () => {
  let database: Database;
  let dispatcher: Dispatcher;
  const digests: Array<string | undefined> = [];
  const audit = () =>
    database.db
      .select({ actor: auditLog.actorId, command: auditLog.command, outcome: auditLog.outcome })
      .from(auditLog)
      .orderBy(asc(auditLog.id));

  beforeAll(async () => {
    database = await openTestDatabase();
    const config = openstackConfig();
    const upgrades = createUpgrades({ config, store: database.store, clock: systemClock });
    dispatcher = createDispatcher({
      upgrades,
      store: database.store,
      config,
      digest: async (env) => {
        digests.push(env);
        return `digest of ${env ?? 'every environment'} posted`;
      },
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers malformed input with a usage line, changes nothing, and records the attempt', async () => {
    const reply = await dispatcher.handle(ops, '/upgrade start');
    expect(reply).toEqual({
      text: expect.stringMatching(/^say which release\. usage: \/upgrade start/),
      ephemeral: true,
      ok: false,
    });
    expect((await dispatcher.handle(ops, 'frobnicate')).text).toMatch(/^unknown verb "frobnicate"/);
    expect(await database.store.active()).toEqual([]);
    expect(await audit()).toEqual([
      { actor: 'slack:U0OPS', command: 'start', outcome: expect.stringMatching(/^usage: say which release/) },
      { actor: 'slack:U0OPS', command: 'frobnicate', outcome: expect.stringMatching(/^usage: unknown verb/) },
    ]);
  });

  it('refuses a developer’s start (and a stranger named like an operator), audited with the reason', async () => {
    const refused = await dispatcher.handle(dev, 'start havana');
    expect(refused).toMatchObject({
      ok: false,
      ephemeral: true,
      text: expect.stringMatching(/^only operators may start/),
    });
    expect((await dispatcher.handle(stranger, 'pause')).ok).toBe(false);
    expect((await dispatcher.handle(stranger, 'ack 1')).text).toMatch(
      /^only developers and operators may ack/,
    );
    expect(await database.store.active()).toEqual([]);
    expect((await audit()).slice(-3)).toEqual([
      { actor: 'slack:U0DEV', command: 'start', outcome: 'refused: not an operator' },
      { actor: 'slack:U9X', command: 'pause', outcome: 'refused: not an operator' },
      { actor: 'slack:U9X', command: 'ack', outcome: 'refused: not a developer or operator' },
    ]);
  });

  it('lets anyone read, and starts, pauses and resumes for an operator', async () => {
    const plan = await dispatcher.handle(stranger, 'plan havana');
    expect(plan).toMatchObject({
      ok: true,
      ephemeral: true,
      text: expect.stringMatching(/^plan: lab grizzly → havana/),
    });
    expect(await database.store.active()).toEqual([]);
    expect((await dispatcher.handle(stranger, 'help ack')).text).toContain('/upgrade ack');

    const started = await dispatcher.handle(ops, 'start havana strategy=rolling batch=2');
    expect(started).toMatchObject({
      ok: true,
      ephemeral: false,
      text: expect.stringMatching(/^upgrade #1 started: lab → havana, rolling/),
    });
    expect((await database.store.active()).map((u) => u.id)).toEqual([1]);
    // Nothing drives it in this test: it stays planned, and the engine says why it cannot pause.
    expect(await dispatcher.handle(ops, 'pause')).toMatchObject({
      ok: false,
      text: 'upgrade #1 is planned, not running',
    });
    expect((await dispatcher.handle(dev, 'status')).text).toMatch(/^upgrade #1 lab → havana \(rolling\)/);
    const log = await audit();
    expect(log.filter((entry) => entry.outcome === 'ok').map((entry) => entry.command)).toEqual([
      'plan',
      'help',
      'start',
      'status',
    ]);
  });

  it('turns the engine’s refusals into the reply, audited', async () => {
    const reply = await dispatcher.handle(ops, 'start havana');
    expect(reply.ok).toBe(false);
    expect(reply.ephemeral).toBe(true);
    expect((await audit()).at(-1)).toEqual({
      actor: 'slack:U0OPS',
      command: 'start',
      outcome: `refused: ${reply.text}`,
    });
    const aborted = await dispatcher.handle(ops, 'abort id=1');
    expect(aborted).toMatchObject({
      ok: true,
      text: 'upgrade #1: aborted — aborted by ops; nodes stay as they are',
    });
    expect(await database.store.active()).toEqual([]);
    const unknownRelease = await dispatcher.handle(ops, 'plan kilo');
    expect(unknownRelease.text).toMatch(/unknown release "kilo"/);
  });

  it('a failure post’s Retry and Skip act on every node of the failure, naming the ones they cannot', async () => {
    const started = await dispatcher.handle(ops, 'start havana env=lab');
    expect(started.ok).toBe(true);
    const [upgrade] = await database.store.active('lab');
    let snapshot = (await database.store.load(upgrade!.id))!;
    // Two units on two nodes (the lab has one node per service and wave).
    const a = snapshot.units[0]!;
    const b = snapshot.units.find((u) => u.node !== a.node)!;
    const { failureIds } = await database.store.commit(snapshot.upgrade.id, null, {
      upgrade: { state: 'paused', reason: '2 failed', pausedBy: 'failures' },
      waves: [{ index: 0, state: 'running' }],
      units: [a, b].map((u) => ({
        id: u.id,
        state: 'failed' as const,
        phase: 'health' as const,
        exitCode: 1,
      })),
      failures: [
        {
          fingerprint: 'f-both',
          service: a.service,
          phase: 'health',
          exitCode: 1,
          nodes: [a.node, b.node],
          outputTail: 'down',
        },
      ],
      events: [],
    });
    const button = { verb: 'retry' as const, failure: failureIds[0]!, id: upgrade!.id };
    const retried = await dispatcher.handle(ops, button);
    expect(retried).toMatchObject({
      ok: true,
      text: `upgrade #${upgrade!.id}: retrying ${a.node}, ${b.node}`,
    });
    snapshot = (await database.store.load(upgrade!.id))!;
    expect(snapshot.units.filter((u) => u.id === a.id || u.id === b.id).map((u) => u.state)).toEqual([
      'pending',
      'pending',
    ]);
    // A second press finds nothing left to retry; developers may not press it at all.
    expect(await dispatcher.handle(ops, button)).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^nothing to retry in failure #\d+: .*has no failed unit/),
    });
    expect((await dispatcher.handle(dev, button)).text).toMatch(/^only operators may retry/);
    expect(await dispatcher.handle(ops, { ...button, failure: 987_654 })).toMatchObject({
      ok: false,
      text: `upgrade #${upgrade!.id} has no failure #987654`,
    });
    await dispatcher.handle(ops, `abort id=${upgrade!.id}`);
  });

  it('posts a digest on demand for anyone', async () => {
    expect((await dispatcher.handle(stranger, 'digest env=lab')).text).toBe('digest of lab posted');
    expect(digests).toEqual(['lab']);
  });
});

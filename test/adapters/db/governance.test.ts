// Governance's tables on both backends: locks taken once, approval requests that leave
// `pending` once, a start awaiting approval holding its environment, the audit read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/db/open.js';
import type { Actor } from '../../../src/engine/types.js';
import { ActiveUpgradeExistsError } from '../../../src/errors.js';
import { labPlan } from '../../support/config.js';
import { backends, openTestDatabase } from '../../support/db.js';

const alice: Actor = { id: 'slack:U1', platform: 'slack', name: 'Alice' };
const bob: Actor = { id: 'slack:U2', platform: 'slack', name: 'Bob' };
const carol: Actor = { id: 'discord:3', platform: 'discord', name: 'Carol' };
const t0 = new Date('2026-12-07T10:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

describe.each(backends())('governance store on %s', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('a lock is taken by one holder, renewed and released only as held', async () => {
    const { governance } = database;
    const lock = {
      environment: 'lab',
      holderId: alice.id,
      holderName: 'Alice',
      reason: 'db work',
      since: t0,
    };
    expect(await governance.takeLock(lock)).toBe(true);
    expect(await governance.takeLock({ ...lock, holderId: bob.id, holderName: 'Bob' })).toBe(false);
    expect(await governance.lock('lab')).toEqual(lock);
    expect(await governance.renewLock('lab', bob.id, 'mine now')).toBe(false);
    expect(await governance.renewLock('lab', alice.id, 'db work, part 2')).toBe(true);
    expect((await governance.lock('lab'))?.reason).toBe('db work, part 2');
    expect(await governance.releaseLock('lab', bob.id)).toBe(false);
    expect(await governance.releaseLock('lab', alice.id)).toBe(true);
    expect(await governance.lock('lab')).toBeUndefined();
    // Taken at once by many: exactly one wins (a race only PostgreSQL can show).
    const wins = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        governance.takeLock({ ...lock, environment: 'race', holderId: `slack:U${i}`, holderName: `U${i}` }),
      ),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('a request counts approvals once per approver, ends once, and lists pending and expired', async () => {
    const { governance } = database;
    const request = await governance.createRequest({
      environment: 'lab',
      verb: 'step',
      command: { verb: 'step', env: 'lab' },
      requester: alice,
      requesterContext: { discordRoles: ['R1'] },
      needed: 2,
      upgradeId: null,
      createdAt: t0,
      expiresAt: later(3_600_000),
    });
    expect(request).toMatchObject({ state: 'pending', needed: 2, approvals: [], requester: alice });
    await governance.addApproval(request.id, bob, later(1000));
    const twice = await governance.addApproval(request.id, bob, later(2000));
    expect(twice?.approvals).toEqual([{ actorId: bob.id, name: 'Bob', at: later(1000) }]);
    const both = await governance.addApproval(request.id, carol, later(3000));
    expect(both?.approvals.map((a) => a.name)).toEqual(['Bob', 'Carol']);
    expect(both?.requesterContext).toEqual({ discordRoles: ['R1'] });
    expect((await governance.pendingRequests('lab')).map((r) => r.id)).toEqual([request.id]);
    expect(await governance.pendingRequests('production')).toEqual([]);
    expect(await governance.expiredRequests(later(3_599_999))).toEqual([]);
    expect((await governance.expiredRequests(later(3_600_000))).map((r) => r.id)).toEqual([request.id]);
    // Two answers at once: one ends it.
    const ends = await Promise.all([
      governance.endRequest(request.id, 'approved', 'approved by Bob, Carol', later(4000)),
      governance.endRequest(request.id, 'rejected', 'rejected by Dan', later(4000)),
    ]);
    expect(ends.filter(Boolean)).toHaveLength(1);
    expect((await governance.request(request.id))?.state).toMatch(/approved|rejected/);
    expect(await governance.pendingRequests()).toEqual([]);
    expect(await governance.request(9999)).toBeUndefined();
  });

  it('a start awaiting approval holds its environment; it is not active until approved', async () => {
    const { store } = database;
    const awaiting = await store.createUpgrade(
      {
        environment: 'lab',
        release: 'havana',
        plan: labPlan(),
        startedBy: 'Alice',
        reason: 'awaiting 1 approval',
        state: 'awaiting_approval',
        hooks: [],
      },
      { type: 'command', data: { verb: 'start' } },
    );
    expect(awaiting.upgrade.state).toBe('awaiting_approval');
    expect(await store.active('lab')).toEqual([]);
    await expect(
      store.createUpgrade(
        { environment: 'lab', release: 'havana', plan: labPlan(), startedBy: 'Bob', reason: '', hooks: [] },
        { type: 'command', data: { verb: 'start' } },
      ),
    ).rejects.toEqual(
      expect.objectContaining({ message: expect.stringContaining(`#${awaiting.upgrade.id}`) }),
    );
    await expect(
      store.createUpgrade(
        { environment: 'lab', release: 'havana', plan: labPlan(), startedBy: 'Bob', reason: '', hooks: [] },
        { type: 'command', data: { verb: 'start' } },
      ),
    ).rejects.toBeInstanceOf(ActiveUpgradeExistsError);
  });

  it('reads the audit back newest first, by environment, with upgrade and request ids', async () => {
    const { store, governance } = database;
    await store.audit({
      actor: alice,
      command: 'start',
      args: { release: 'havana' },
      outcome: 'requested',
      environment: 'lab',
      requestId: 7,
      upgradeId: 3,
    });
    await store.audit({
      actor: bob,
      command: 'approve',
      args: { request: 7 },
      outcome: 'ok',
      environment: 'lab',
      requestId: 7,
    });
    await store.audit({ actor: carol, command: 'status', args: {}, outcome: 'ok' });
    const all = await governance.recentAudit(10);
    expect(all.map((e) => e.command)).toEqual(['status', 'approve', 'start']);
    const lab = await governance.recentAudit(1, 'lab');
    expect(lab).toEqual([
      expect.objectContaining({
        actor: bob,
        command: 'approve',
        requestId: 7,
        environment: 'lab',
        upgradeId: null,
      }),
    ]);
  });
});

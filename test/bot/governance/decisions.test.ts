// Locks and approval requests as pure decisions over records, at injected times.
import { describe, expect, it } from 'vitest';
import {
  type ApprovalRequestRecord,
  approvalsNeeded,
  commandLine,
  decideApproval,
  decideReject,
} from '../../../src/bot/governance/approvals.js';
import { decideLock, decideUnlock, type LockRecord, lockRefusal } from '../../../src/bot/governance/locks.js';
import { parseCommand } from '../../../src/bot/grammar.js';
import type { Actor } from '../../../src/engine/types.js';
import { openstackConfig } from '../../support/config.js';

const alice: Actor = { id: 'slack:U1', platform: 'slack', name: 'Alice' };
const bob: Actor = { id: 'slack:U2', platform: 'slack', name: 'Bob' };
const carol: Actor = { id: 'slack:U3', platform: 'slack', name: 'Carol' };
const aliceOnDiscord: Actor = { id: 'discord:77', platform: 'discord', name: 'alice' };
const config = openstackConfig({
  extra: `people:
  - { email: alice@example.com, name: Alice, slack: U1, discord: "77" }
`,
});
const at = (iso: string) => new Date(iso);

describe('locks', () => {
  const lock: LockRecord = {
    environment: 'lab',
    holderId: alice.id,
    holderName: 'Alice',
    reason: 'db migration',
    since: at('2026-12-07T10:00:00Z'),
  };
  const now = at('2026-12-07T12:05:00Z');

  it('stops others’ start and step, naming holder, reason and age; not the holder’s, not other verbs', () => {
    expect(lockRefusal(lock, bob, 'start', now)).toBe(
      'start refused: lab is locked by Alice for 2h 5m: db migration. Ask Alice, or `unlock env=lab force`',
    );
    expect(lockRefusal(lock, bob, 'step', now)).toMatch(/^step refused/);
    expect(lockRefusal(lock, alice, 'start', now)).toBeUndefined();
    expect(lockRefusal(lock, bob, 'pause', now)).toBeUndefined();
    expect(lockRefusal(undefined, bob, 'start', now)).toBeUndefined();
  });

  it('lock: take a free one, renew one’s own, refuse another’s; unlock: own, or another’s with force', () => {
    expect(decideLock(undefined, bob, now)).toEqual({ kind: 'take' });
    expect(decideLock(lock, alice, now)).toEqual({ kind: 'renew' });
    expect(decideLock(lock, bob, now)).toMatchObject({
      kind: 'refuse',
      text: expect.stringContaining('Alice'),
    });
    expect(decideUnlock(lock, alice, false, 'lab', now)).toEqual({ kind: 'release', forced: false });
    expect(decideUnlock(lock, bob, false, 'lab', now)).toMatchObject({ kind: 'refuse' });
    expect(decideUnlock(lock, bob, true, 'lab', now)).toEqual({ kind: 'release', forced: true });
    expect(decideUnlock(undefined, bob, true, 'lab', now)).toEqual({
      kind: 'refuse',
      text: 'lab is not locked',
    });
  });
});

describe('approval requests', () => {
  const request = (patch: Partial<ApprovalRequestRecord> = {}): ApprovalRequestRecord => ({
    id: 3,
    environment: 'lab',
    verb: 'start',
    command: { verb: 'start', release: 'havana', env: 'lab' },
    requester: alice,
    requesterContext: {},
    needed: 2,
    state: 'pending',
    reason: '',
    upgradeId: 1,
    approvals: [],
    createdAt: at('2026-12-07T10:00:00Z'),
    expiresAt: at('2026-12-07T11:00:00Z'),
    ...patch,
  });
  const now = at('2026-12-07T10:30:00Z');

  it('needs N other operators: the requester (on any platform) cannot approve, nobody twice', () => {
    expect(decideApproval(config, request(), alice, now)).toMatchObject({ kind: 'refuse' });
    expect(decideApproval(config, request(), aliceOnDiscord, now)).toMatchObject({
      kind: 'refuse',
      text: 'you asked for request #3: another operator of lab must approve it',
    });
    expect(decideApproval(config, request(), bob, now)).toEqual({ kind: 'count', remaining: 1 });
    const once = request({ approvals: [{ actorId: bob.id, name: 'Bob', at: now }] });
    expect(decideApproval(config, once, bob, now)).toMatchObject({
      kind: 'refuse',
      text: 'you already approved request #3',
    });
    expect(decideApproval(config, once, carol, now)).toEqual({ kind: 'approve' });
  });

  it('expires at its time; an ended request answers nothing', () => {
    expect(decideApproval(config, request(), bob, at('2026-12-07T11:00:00Z'))).toEqual({ kind: 'expire' });
    expect(decideReject(config, request(), bob, at('2026-12-07T11:00:00Z'))).toEqual({ kind: 'expire' });
    expect(
      decideApproval(config, request({ state: 'rejected', reason: 'rejected by Bob' }), carol, now),
    ).toEqual({
      kind: 'refuse',
      text: 'request #3 is already rejected (rejected by Bob)',
    });
    expect(decideReject(config, request(), bob, now)).toEqual({ kind: 'reject' });
    expect(decideReject(config, request(), alice, now)).toMatchObject({ kind: 'refuse' });
  });

  it('reads approvals from the environment, and gives the command back as a line the grammar parses', () => {
    const gated = openstackConfig({ extra: '' });
    gated.environments.lab!.approvals = { start: 1, step: 0, rollback: 2 };
    expect(approvalsNeeded(gated, 'lab', 'start')).toBe(1);
    expect(approvalsNeeded(gated, 'lab', 'rollback')).toBe(2);
    expect(approvalsNeeded(gated, 'lab', 'pause')).toBe(0);
    expect(approvalsNeeded(gated, 'constructor', 'start')).toBe(0);
    const command = { verb: 'start', release: 'havana', env: 'lab', auto: true, override: 'INC-42 "hotfix"' };
    expect(commandLine(command)).toBe('start havana env=lab auto');
    expect(parseCommand(commandLine(command, true))).toEqual({
      verb: 'start',
      release: 'havana',
      env: 'lab',
      auto: true,
      override: "INC-42 'hotfix'",
    });
  });
});

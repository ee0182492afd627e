// Rendering engine state into platform-neutral messages, and the notifier's keys and threads.
import { describe, expect, it } from 'vitest';
import { toBlocks } from '../../src/adapters/slack/blocks.js';
import { messagesFor } from '../../src/bot/notifier.js';
import { failureMessage } from '../../src/bot/render/failure.js';
import { threadLine } from '../../src/bot/render/thread.js';
import { upgradeMessage } from '../../src/bot/render/upgrade.js';
import type { EngineEvent, FailureRecord, UnitRecord, UpgradeSnapshot } from '../../src/engine/ports.js';
import type { Culprit, Plan } from '../../src/engine/types.js';
import { openstackConfig } from '../support/config.js';

const config = openstackConfig({
  extra: `people:
  - { email: alice@example.com, name: Alice, slack: U01ALICE, discord: "5566" }
`,
});
const channels = {
  ...config,
  environments: {
    lab: { ...config.environments.lab!, channels: { slack: 'C0LAB', discord: '42' } },
  },
};

const SHA = '0123456789abcdef0123456789abcdef01234567';
const plan: Plan = {
  environment: 'lab',
  release: 'havana',
  from: 'grizzly',
  commit: SHA,
  fromCommit: undefined,
  pinned: false,
  strategy: {
    kind: 'waves',
    batch: 1,
    waves: [1, '100%'],
    maxFailures: 0,
    maxUnavailable: undefined,
    soakMs: 0,
    auto: false,
    concurrency: 4,
  },
  order: ['nova-compute'],
  waves: [],
  skipped: [],
  skew: [],
};

const unit = (id: number, node: string, state: UnitRecord['state']): UnitRecord => ({
  id,
  upgradeId: 3,
  wave: id === 1 ? 0 : 1,
  seq: id,
  service: 'nova-compute',
  node,
  state,
  phase: state === 'failed' ? 'health' : null,
  startedSeq: id,
  exitCode: state === 'failed' ? 3 : null,
  outputTail: '',
  versionBefore: 'grizzly',
  versionAfter: null,
  attempts: 1,
  startedAt: null,
  finishedAt: null,
});

const culprit = (over: Partial<Culprit> = {}): Culprit => ({
  how: 'bisected',
  sha: SHA,
  shortSha: SHA.slice(0, 7),
  subject: 'nova: switch the compute driver',
  authorName: 'Alice A.',
  authorEmail: 'alice@example.com',
  probes: 4,
  suspects: [],
  note: 'bisected in 4 probes',
  ...over,
});

const failure = (over: Partial<FailureRecord> = {}): FailureRecord => ({
  id: 7,
  upgradeId: 3,
  fingerprint: 'fp',
  kind: 'phase',
  service: 'nova-compute',
  phase: 'health',
  exitCode: 3,
  nodes: ['cmp-1', 'cmp-2'],
  outputTail: 'line 1\nnova-compute: driver not loaded',
  state: 'open',
  culprit: culprit(),
  ackedBy: null,
  ackedAt: null,
  ackNote: null,
  createdAt: new Date('2026-11-25T10:00:00Z'),
  ...over,
});

const snapshot = (
  over: Partial<UpgradeSnapshot['upgrade']> = {},
  failures = [failure()],
): UpgradeSnapshot => ({
  upgrade: {
    id: 3,
    environment: 'lab',
    release: 'havana',
    state: 'paused',
    reason: 'wave 2: 2 failed > maxFailures 0',
    plan,
    revision: 9,
    currentWave: 1,
    pausedBy: 'failures',
    startedBy: 'ops',
    createdAt: new Date(),
    updatedAt: new Date(),
    ...over,
  },
  waves: [
    {
      upgradeId: 3,
      index: 0,
      service: 'nova-compute',
      state: 'done',
      reason: '',
      startedAt: null,
      finishedAt: null,
    },
    {
      upgradeId: 3,
      index: 1,
      service: 'nova-compute',
      state: 'failed',
      reason: '',
      startedAt: null,
      finishedAt: null,
    },
  ],
  units: [
    unit(1, 'cmp-0', 'done'),
    unit(2, 'cmp-1', 'failed'),
    unit(3, 'cmp-2', 'failed'),
    unit(4, 'cmp-3', 'pending'),
  ],
  failures,
  hooks: [],
});

const text = (message: unknown) => JSON.stringify(message);
const event = (id: number, type: EngineEvent['type'], data: Record<string, unknown> = {}): EngineEvent => ({
  id,
  upgradeId: 3,
  type,
  data,
  at: new Date(),
});

describe('the upgrade message', () => {
  it('shows release, strategy, counts, the current wave and the state with its reason', () => {
    const message = upgradeMessage(snapshot());
    expect(message.summary).toBe('Upgrade #3 lab → havana: paused');
    expect(message.progress).toEqual({ done: 1, failed: 2, pending: 1, total: 4 });
    expect(text(message)).toContain('grizzly → havana @ 0123456');
    expect(text(message)).toContain('waves, step between waves');
    expect(text(message)).toContain('2 of 2 (nova-compute, failed)');
    expect(text(message)).toContain('wave 2: 2 failed > maxFailures 0');
    expect(message.tone).toBe('warning');
    expect(upgradeMessage(snapshot({ state: 'completed', reason: 'every node at havana' })).tone).toBe(
      'good',
    );
  });
});

describe('the failure post', () => {
  it('names the nodes, phase, exit code, output, culprit with a mention, and carries the buttons', () => {
    const message = failureMessage(failure(), snapshot(), config);
    expect(message.summary).toBe(
      'Failure #7: nova-compute health failed on cmp-1, cmp-2 (upgrade #3, lab → havana)',
    );
    expect(text(message.fields)).toContain('health, exit 3');
    expect(message.code).toContain('driver not loaded');
    const culpritField = message.fields!.find((f) => f.label === 'Offending commit')!.value;
    expect(culpritField[0]).toEqual({ code: '0123456' });
    expect(culpritField).toContainEqual({
      mention: expect.objectContaining({ name: 'Alice', slack: 'U01ALICE' }),
    });
    expect(text(culpritField)).toContain('bisected in 4 probe(s)');
    expect(message.buttons!.map((b) => [b.action, b.label, b.value])).toEqual([
      ['ack', 'Acknowledge', 'failure:7'],
      ['retry', 'Retry 2 nodes', '3:failure:7'],
      ['skip', 'Skip 2 nodes', '3:failure:7'],
      ['rollback', 'Roll back wave', '3'],
    ]);
    const blocks = text(toBlocks(message));
    expect(blocks).toContain('<@U01ALICE>');
    expect(blocks).toContain('drover_ack');
  });

  it('shows an unmapped author by name and e-mail, suspects, unknown and a culprit still being found', () => {
    const stranger = failureMessage(
      failure({ culprit: culprit({ authorEmail: 'bob@example.com', authorName: 'Bob', how: 'commit' }) }),
      snapshot(),
      config,
    );
    const blocks = text(toBlocks(stranger));
    expect(blocks).toContain('Bob');
    expect(blocks).toContain('&lt;bob@example.com&gt;');
    expect(blocks).not.toContain('<@');
    expect(text(stranger)).toContain('the one commit this step deployed');

    const suspects = failureMessage(
      failure({
        culprit: culprit({
          how: 'suspects',
          sha: null,
          shortSha: null,
          note: 'bisecting…',
          suspects: [{ sha: SHA, subject: 'nova: x', authorName: 'Alice', authorEmail: 'alice@example.com' }],
        }),
      }),
      snapshot(),
      config,
    );
    expect(text(suspects)).toContain('suspects: ');
    expect(text(suspects)).toContain('bisecting…');
    const unknown = failureMessage(
      failure({ culprit: culprit({ how: 'unknown', sha: null, note: 'from already fails' }) }),
      snapshot(),
      config,
    );
    expect(text(unknown)).toContain('unknown — from already fails');
    expect(text(failureMessage(failure({ culprit: null }), snapshot(), config))).toContain(
      'finding the offending commit…',
    );
  });

  it('after an ack: says who and when, and drops the Acknowledge button', () => {
    const acked = failureMessage(
      failure({
        state: 'acked',
        ackedBy: 'Alice',
        ackedAt: new Date('2026-11-25T10:42:00Z'),
        ackNote: 'reverting',
      }),
      snapshot(),
      config,
    );
    expect(acked.context).toEqual(['acknowledged by Alice at 10:42 UTC: reverting']);
    expect(acked.buttons!.map((b) => b.action)).toEqual(['retry', 'skip', 'rollback']);
    expect(failureMessage(failure({ state: 'resolved' }), snapshot(), config).buttons).toEqual([]);
  });
});

describe('thread lines and the notifier', () => {
  it('renders wave events, bisection progress and acks as one line each', () => {
    const s = snapshot();
    expect(threadLine(event(1, 'wave.started', { wave: 1, service: 'nova-compute' }), s)?.summary).toBe(
      'wave 2 of 2 started (nova-compute)',
    );
    expect(threadLine(event(2, 'bisect.progress', { text: 'probe 2 of 4', node: 'cmp-1' }), s)?.summary).toBe(
      'probe 2 of 4 on cmp-1',
    );
    expect(threadLine(event(3, 'unit.finished'), s)).toBeUndefined();
  });

  it('keys the upgrade message, the failure post and thread replies, for every channel of the environment', () => {
    const s = snapshot();
    const wave = messagesFor(event(11, 'wave.started', { wave: 1, service: 'nova-compute' }), s, channels, [
      'slack',
      'discord',
    ]);
    expect(wave.map((m) => [m.platform, m.channel, m.key, m.threadOf])).toEqual([
      ['slack', 'C0LAB', 'upgrade:3', null],
      ['slack', 'C0LAB', 'upgrade:3:event:11', 'upgrade:3'],
      ['discord', '42', 'upgrade:3', null],
      ['discord', '42', 'upgrade:3:event:11', 'upgrade:3'],
    ]);
    // A second node failing the same way updates the same failure post.
    const joined = messagesFor(event(12, 'failure.updated', { failureId: 7 }), s, channels, ['slack']);
    expect(joined.map((m) => m.key)).toEqual(['failure:7']);
    expect(joined[0]!.message.summary).toContain('cmp-1, cmp-2');
    const progress = messagesFor(
      event(13, 'bisect.progress', { failureId: 7, text: 'probe 1' }),
      s,
      channels,
      ['slack'],
    );
    expect(progress.map((m) => [m.key, m.threadOf])).toEqual([['failure:7:event:13', 'failure:7']]);
    // No channel on a platform: nothing for it; the console always has the environment.
    expect(messagesFor(event(14, 'upgrade.paused'), s, config, ['slack'])).toEqual([]);
    expect(messagesFor(event(14, 'upgrade.paused'), s, config, ['console'])[0]).toMatchObject({
      platform: 'console',
      channel: 'lab',
    });
  });
});

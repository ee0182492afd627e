// Every message drover renders is accepted by fakes as strict as Slack and Discord, at any fleet
// size: 48 and 1,000 failing nodes with long names, a long subject full of markdown, a long ack
// note, an engine reason naming every node, and output that tries to leave its code block.
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordTransport } from '../../src/adapters/discord/transport.js';
import { toBlocks } from '../../src/adapters/slack/blocks.js';
import { createSlackTransport, createSlackWebClient } from '../../src/adapters/slack/transport.js';
import type { ChatMessage, OutgoingMessage } from '../../src/bot/model.js';
import { messagesFor } from '../../src/bot/notifier.js';
import type { ChatTransport, MessageRef } from '../../src/bot/ports.js';
import type { EngineEvent, FailureRecord, UnitRecord, UpgradeSnapshot } from '../../src/engine/ports.js';
import type { Plan } from '../../src/engine/types.js';
import { openstackConfig } from '../support/config.js';
import { type FakeDiscord, startFakeDiscord } from '../support/fake-discord.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const config = openstackConfig({
  extra: `people:
  - { email: alice@example.com, name: Alice, slack: U01ALICE, discord: "5566" }
`,
});
const lab = { ...config.environments.lab!, channels: { slack: 'C0LAB', discord: '4242' } };
const withChannels = { ...config, environments: { lab } };

const nodeName = (i: number) =>
  `nova-compute-rack${String(Math.floor(i / 40) + 1).padStart(2, '0')}-slot${String((i % 40) + 1).padStart(2, '0')}.dc1.example.internal`;
const SUBJECT =
  `${'*fix* _the_ `driver` ~now~ [click](https://evil.example) <!channel> @here '.repeat(4)}`.slice(0, 300);
const NOTE = `looking into it <!channel> <https://evil.example|docs> `.repeat(50).slice(0, 2500);
const OUTPUT =
  `${'x'.repeat(200)}\n`.repeat(60) +
  'done\n```\n<!channel> <https://evil.example|click here> <@U0BOSS>\n```';

function snapshotOf(n: number): UpgradeSnapshot {
  const nodes = Array.from({ length: n }, (_, i) => nodeName(i));
  const plan: Plan = {
    environment: 'lab',
    release: 'havana',
    from: 'grizzly',
    commit: '0123456789abcdef0123456789abcdef01234567',
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
  const unit = (node: string, i: number): UnitRecord => ({
    id: i + 1,
    upgradeId: 3,
    wave: 1,
    seq: i + 1,
    service: 'nova-compute',
    node,
    state: 'failed',
    phase: 'health',
    startedSeq: i + 1,
    exitCode: 3,
    outputTail: OUTPUT,
    versionBefore: 'grizzly',
    versionAfter: null,
    attempts: 1,
    startedAt: null,
    finishedAt: null,
  });
  const failure: FailureRecord = {
    id: 7,
    upgradeId: 3,
    fingerprint: 'fp',
    kind: 'phase',
    service: 'nova-compute',
    phase: 'health',
    exitCode: 3,
    nodes,
    outputTail: OUTPUT,
    state: 'acked',
    culprit: {
      how: 'bisected',
      sha: plan.commit!,
      shortSha: plan.commit!.slice(0, 7),
      subject: SUBJECT,
      authorName: 'Alice',
      authorEmail: 'alice@example.com',
      probes: 10,
      suspects: [],
      note: '',
    },
    ackedBy: 'Bob',
    ackedAt: new Date('2026-11-25T10:00:00Z'),
    ackNote: NOTE,
    createdAt: new Date('2026-11-25T10:00:00Z'),
  };
  return {
    upgrade: {
      id: 3,
      environment: 'lab',
      release: 'havana',
      state: 'paused',
      // As the engine words it: every failed node named.
      reason: `wave 2: ${n} of ${n} failed (maxFailures 0): ${nodes.join(', ')}`,
      plan,
      revision: 9,
      currentWave: 1,
      pausedBy: 'failures',
      startedBy: 'ops',
      createdAt: new Date(),
      updatedAt: new Date(),
    },
    waves: [
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
    units: nodes.map(unit),
    failures: [failure],
    hooks: [],
  };
}

const event = (id: number, type: EngineEvent['type'], data: Record<string, unknown>): EngineEvent => ({
  id,
  upgradeId: 3,
  type,
  data,
  at: new Date(),
});

/** Every message the notifier renders for the events of a big failure, on one platform. */
function messagesOf(n: number, platform: 'slack' | 'discord'): OutgoingMessage[] {
  const snapshot = snapshotOf(n);
  const reason = snapshot.upgrade.reason;
  return [
    event(1, 'upgrade.paused', { reason }),
    event(2, 'failure.opened', { fingerprint: 'fp' }),
    event(3, 'failure.acked', { failureId: 7, name: 'Bob', note: NOTE }),
    event(4, 'bisect.progress', { failureId: 7, text: SUBJECT, node: nodeName(0) }),
  ].flatMap((e) => messagesFor(e, snapshot, withChannels, [platform]));
}

async function deliverAll(transport: ChatTransport, items: OutgoingMessage[]): Promise<void> {
  const refs = new Map<string, MessageRef>();
  for (const item of items) {
    const parent = item.threadOf ? refs.get(item.threadOf) : undefined;
    const ref = await transport.deliver(item, refs.get(item.key), parent);
    refs.set(item.key, ref);
  }
}

describe('messages at fleet scale, on platforms that refuse what is over their limits', () => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  beforeAll(async () => {
    slack = await startFakeSlack();
    discord = await startFakeDiscord({ channels: ['4242', '48', '1000'] });
  });
  afterAll(async () => {
    await slack?.close();
    await discord?.close();
  });

  it('the strict fakes refuse an over-limit message as the platforms do', async () => {
    const message: ChatMessage = { summary: 'big', fields: [{ label: 'Nodes', value: ['n'.repeat(2500)] }] };
    const blocks = [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'n'.repeat(2001) }] }];
    const raw = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0LAB', text: 'x', blocks }),
    });
    expect(await raw.json()).toEqual({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]'],
    });
    const tooLong = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0LAB', text: 'x'.repeat(40_001) }),
    });
    expect(await tooLong.json()).toMatchObject({ ok: false, error: 'msg_too_long' });
    const refused = await fetch(`${discord.apiUrl}/v10/channels/4242/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bot t' },
      body: JSON.stringify({
        embeds: [{ title: 't', fields: [{ name: 'Nodes', value: 'n'.repeat(1025) }] }],
      }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        embeds: {
          0: {
            fields: {
              0: {
                value: {
                  _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 1024 or fewer in length.' }],
                },
              },
            },
          },
        },
      },
    });
    // drover's own rendering of the same message fits.
    expect(JSON.stringify(toBlocks(message))).toContain('…');
  });

  for (const n of [48, 1000]) {
    it(`${n} failing nodes with long names: every message accepted on Slack, readable`, async () => {
      const before = slack.messages.length;
      const transport = createSlackTransport(createSlackWebClient('xoxb-test', slack.apiUrl));
      await deliverAll(transport, messagesOf(n, 'slack'));
      const posted = slack.messages.slice(before);
      expect(posted.length).toBeGreaterThanOrEqual(4);
      const all = JSON.stringify(posted);
      expect(all).toContain(nodeName(0));
      expect(all).toMatch(/… and \d+ more/);
      // Nothing from outside became a live mention, broadcast or link.
      for (const message of posted) {
        const text = `${message.text} ${JSON.stringify(message.blocks)}`;
        expect(text).not.toContain('<!channel>');
        expect(text).not.toContain('<https://evil');
        expect(text).not.toContain('<@U0BOSS>');
        expect(text).not.toMatch(/@here/);
      }
      const failurePost = posted.find((m) => m.text.startsWith('Failure #7'))!;
      const code = JSON.stringify(failurePost.blocks).match(/```(.*?)```/s)?.[1] ?? '';
      expect(code).toContain('done');
      expect(code).not.toContain('```');
    });

    it(`${n} failing nodes with long names: every message accepted on Discord, readable`, async () => {
      const rest = new REST({ api: discord.apiUrl, retries: 0, rejectOnRateLimit: () => true }).setToken('t');
      // A channel per fleet size: the same keys in one channel would be recognised by their nonce.
      const channel = String(n);
      await deliverAll(
        createDiscordTransport({ rest }),
        messagesOf(n, 'discord').map((item) => ({ ...item, channel })),
      );
      const posted = discord.messages(channel);
      expect(posted.length).toBeGreaterThanOrEqual(2);
      const all = JSON.stringify(posted);
      expect(all).toContain(nodeName(0));
      expect(all).toMatch(/… and \d+ more/);
      const failurePost = posted.find((m) => String(m.embeds[0]?.title).startsWith('Failure #7'))!;
      const description = String(failurePost.embeds[0]!.description);
      const fence = description.indexOf('```');
      expect(description.slice(fence + 3, description.lastIndexOf('```'))).not.toContain('```');
      expect(
        String(failurePost.embeds[0]!.fields && JSON.stringify(failurePost.embeds[0]!.fields)),
      ).toContain('\\\\[click\\\\]');
    });
  }
});

// Governance on Discord end to end, through the real discord.js client against the fake
// Discord: roles per environment (user and role ids), a start approved by another operator's
// Approve button (refused for the requester), the destructive Roll back button confirmed by a
// private button first, and `audit` in chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { createDiscordBot, type DiscordBot } from '../../../src/adapters/discord/bot.js';
import { createDispatcher } from '../../../src/bot/dispatch.js';
import { createAnnouncer } from '../../../src/bot/governance/announce.js';
import { createNotifier } from '../../../src/bot/notifier.js';
import { createOutboxWorker } from '../../../src/bot/outbox-worker.js';
import type { Config } from '../../../src/config/schema.js';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../../support/fake-discord.js';
import { type Lab, startLab } from '../../support/lab.js';

const CHANNEL = '1122334455667788';
const TOP_OPERATOR = { id: '9988776655' }; // top-level operator, not of lab
const LAB_OPERATOR = { id: '1212121212' };
const LAB_ROLE = '7777777777';
const ROLE_OPERATOR = { id: '3333333333', roles: [LAB_ROLE] };
const ALICE = { id: '5566778899' }; // a developer

describe('Governance on Discord, end to end', () => {
  let lab: Lab;
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let config: Config;
  const abort = new AbortController();
  const running: Array<Promise<unknown>> = [];
  const errors: unknown[] = [];
  const title = (m: FakeMessage) => String(m.embeds[0]?.title ?? m.content);
  const topLevel = (prefix: string) => discord.messages(CHANNEL).filter((m) => title(m).startsWith(prefix));
  const customIds = (m: FakeMessage) =>
    m.components.flatMap((row) => (row.components as Array<{ custom_id: string }>).map((b) => b.custom_id));

  beforeAll(async () => {
    discord = await startFakeDiscord({ channels: [CHANNEL], roles: [LAB_ROLE], token: 'test-token' });
    lab = await startLab({
      controllers: 1,
      computes: 2,
      strategy: '{ kind: rolling, batch: 1 }',
      environment: [
        `    operators: { discord: ["${LAB_OPERATOR.id}"], discordRoles: ["${LAB_ROLE}"] }`,
        '    approvals: { start: 1 }',
      ].join('\n'),
    });
    const env = lab.config.environments.lab!;
    config = { ...lab.config, environments: { lab: { ...env, channels: { discord: CHANNEL } } } };
    const { store, outbox, dedup, governance } = lab.database;
    const dispatcher = createDispatcher({
      upgrades: lab.engine.upgrades,
      store,
      config,
      governance: {
        store: governance,
        clock: systemClock,
        announce: createAnnouncer(outbox, config, ['discord']),
      },
    });
    bot = createDiscordBot({
      token: 'test-token',
      applicationId: discord.applicationId,
      apiUrl: discord.apiUrl,
      guildId: discord.guildId,
      dispatcher,
      outbox,
      dedup,
      config,
      onError: (error) => errors.push(error),
    });
    const notifier = createNotifier({ config, store, outbox, platforms: ['discord'] });
    const worker = createOutboxWorker({
      outbox,
      transport: bot.transport,
      clock: systemClock,
      owner: 'discord-gov',
    });
    running.push(lab.engine.serve(abort.signal));
    running.push(
      (async () => {
        while (!abort.signal.aborted) {
          const work = (await dispatcher.sweep()) + (await notifier.runOnce()) + (await worker.runOnce());
          if (work === 0) await systemClock.sleep(50, abort.signal);
        }
      })(),
    );
    await bot.start();
  }, 60_000);

  afterAll(async () => {
    abort.abort();
    await bot?.stop();
    await Promise.allSettled(running);
    await discord?.close();
    await lab?.close();
  });

  const answer = async (user: { id: string; roles?: string[] }, verb: string, values = {}) => {
    const interaction = discord.slash(user, CHANNEL, verb, values);
    await discord.until(
      () => interaction.original?.edits || interaction.followUps[0],
      `the answer to ${verb}`,
    );
    return interaction.followUps[0]?.content ?? interaction.original?.content ?? '';
  };

  it('a top-level operator is refused in lab, naming the list to join', async () => {
    expect(await answer(TOP_OPERATOR, 'start', { release: 'havana' })).toBe(
      'only operators of lab may start; ask one of them, or get added to `environments.lab.operators:` in drover.yaml',
    );
    expect(await lab.database.store.recent(1)).toEqual([]);
  });

  it('a start needs another operator: the requester’s Approve is refused, a role holder’s carries it out', async () => {
    expect(await answer(LAB_OPERATOR, 'start', { release: 'havana' })).toMatch(
      /needs 1 approval\(s\) from other operators of lab: request #1/,
    );
    const post = await discord.until(() => topLevel('Request #1')[0], 'the request post');
    expect(customIds(post)).toEqual(['drover:approve:1', 'drover:reject:1']);
    const own = discord.click(LAB_OPERATOR, post, 'drover:approve:1');
    await discord.until(() => own.followUps[0], 'the refusal');
    expect(own.followUps[0]).toMatchObject({
      flags: 64,
      content: 'you asked for request #1: another operator of lab must approve it',
    });
    expect((await lab.database.store.load(1))?.upgrade.state).toBe('awaiting_approval');
    discord.click(ROLE_OPERATOR, post, 'drover:approve:1');
    await discord.until(
      async () => (await lab.database.store.load(1))?.upgrade.state === 'running',
      'the approved start',
      20_000,
    );
    await discord.until(() => /approved/.test(JSON.stringify(post.embeds)), 'the post edited');
    expect(customIds(post)).toEqual([]);
  }, 40_000);

  it('Roll back wave asks first, privately; only the confirm button rolls back', async () => {
    const upgrade = await discord.until(
      () => topLevel('Upgrade #1')[0],
      `the upgrade message among ${discord.messages(CHANNEL).map(title).join(' | ')}`,
    );
    await discord.until(
      () => customIds(upgrade).includes('drover:step:1'),
      'the Step button at a gate',
      20_000,
    );
    expect(customIds(upgrade)).toEqual(
      expect.arrayContaining(['drover:pause:1', 'drover:ask:rollback:1', 'drover:ask:abort:1']),
    );
    const ask = discord.click(LAB_OPERATOR, upgrade, 'drover:ask:rollback:1');
    await discord.until(() => ask.original, 'the private question');
    expect(ask.callbacks).toEqual([4]);
    expect(ask.ephemeral).toBe(true);
    expect(ask.original?.content).toMatch(/^Roll back: are you sure\?/);
    expect(customIds(ask.original!)).toEqual(['drover:rollback:1']);
    expect((await lab.database.store.load(1))?.upgrade.state).toBe('running');
    // The private answer sits in the channel it was asked in, as on Discord.
    const confirm = discord.click(
      LAB_OPERATOR,
      { ...ask.original!, channel_id: CHANNEL },
      'drover:rollback:1',
    );
    await discord.until(
      async () => ['rolling_back', 'rolled_back'].includes((await lab.database.store.load(1))!.upgrade.state),
      `the rollback (${confirm.followUps.map((m) => m.content).join('; ')})`,
      20_000,
    );
  }, 40_000);

  it('audit in chat: developers read it, privately, newest first', async () => {
    const text = await answer(ALICE, 'audit', { n: 10 });
    expect(text).toMatch(/rollback wave id=1 → ok/);
    expect(text.indexOf('rollback wave')).toBeLessThan(text.indexOf('approve request=1 → ok'));
    expect(text).toMatch(/approve request=1 → refused: you asked for request #1/);
    expect(errors).toEqual([]);
  });
});

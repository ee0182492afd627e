// End to end through the real discord.js client against the fake Discord: the real dispatcher,
// engine, store (PGlite), notifier and outbox worker, a simulated SSH fleet and a git range
// whose third commit breaks nova-compute (bisected, its author mentioned).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/adapters/clock.js';
import { createDiscordBot, type DiscordBot } from '../../../src/adapters/discord/bot.js';
import { createSshRunner } from '../../../src/adapters/ssh/runner.js';
import { createDispatcher } from '../../../src/bot/dispatch.js';
import { createNotifier } from '../../../src/bot/notifier.js';
import { createOutboxWorker } from '../../../src/bot/outbox-worker.js';
import type { Config } from '../../../src/config/schema.js';
import { createAttributor } from '../../../src/engine/attribution.js';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../../support/fake-discord.js';
import { brokenFileHook, buildRangeRepo } from '../../support/git.js';
import { type Lab, startLab } from '../../support/lab.js';

const CHANNEL = '1122334455667788';
const OPERATOR = { id: '9988776655' };
const ALICE = { id: '5566778899' };
const STRANGER = { id: '4444444444' };
const OPS_ROLE = '7777777777';
const ROLE_OPERATOR = { id: '3333333333', roles: [OPS_ROLE] };

describe('Discord end to end: the real discord.js client against a fake Discord', () => {
  let lab: Lab;
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let config: Config;
  const abort = new AbortController();
  const running: Array<Promise<unknown>> = [];
  const errors: unknown[] = [];
  const title = (m: FakeMessage) => String(m.embeds[0]?.title ?? m.content);
  const topLevel = (prefix: string) => discord.messages(CHANNEL).filter((m) => title(m).startsWith(prefix));

  beforeAll(async () => {
    discord = await startFakeDiscord({ channels: [CHANNEL], roles: [OPS_ROLE], token: 'test-token' });
    lab = await startLab({
      controllers: 1,
      computes: 2,
      strategy: '{ kind: all-at-once }',
      repo: (path) => buildRangeRepo(path, 4, 3, 'nova-compute'),
      attributor: ({ config: labConfig, commits }) =>
        createAttributor({
          config: { ...labConfig, releases: { ...labConfig.releases, bisectRetries: 0 } },
          commits,
          runner: createSshRunner({ ssh: labConfig.ssh, redact: [] }),
        }),
    });
    for (const node of lab.fleet.nodes)
      writeFileSync(`${node.dir}/health-hook`, brokenFileHook(lab.repo.path));
    const env = lab.config.environments.lab!;
    config = {
      ...lab.config,
      environments: { lab: { ...env, channels: { discord: CHANNEL } } },
      operators: { ...lab.config.operators, discordRoles: [OPS_ROLE] },
    };
    const { store, outbox, dedup } = lab.database;
    const dispatcher = createDispatcher({ upgrades: lab.engine.upgrades, store, config });
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
      owner: 'discord-test',
      onError: (e) => errors.push(e),
    });
    running.push(lab.engine.serve(abort.signal));
    running.push(
      (async () => {
        while (!abort.signal.aborted) {
          const work = (await notifier.runOnce()) + (await worker.runOnce());
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

  it('logs in (READY + GUILD_CREATE) and registers /upgrade with a subcommand per verb', () => {
    expect(bot.ready()).toBe(true);
    expect(discord.identifies).toBe(1);
    const [command] = discord.commands(`guild:${discord.guildId}`) as Array<{
      name: string;
      options: Array<{ name: string }>;
    }>;
    expect(command?.name).toBe('upgrade');
    expect(command?.options.map((o) => o.name)).toContain('rollback');
  });

  it('fails start() with Discord’s 401 for a wrong token, writing nothing', async () => {
    const writes = discord.requests.filter((r) => r.method !== 'GET').length;
    const { store, outbox, dedup } = lab.database;
    const wrong = createDiscordBot({
      token: 'a-wrong-token',
      applicationId: discord.applicationId,
      apiUrl: discord.apiUrl,
      dispatcher: createDispatcher({ upgrades: lab.engine.upgrades, store, config }),
      outbox,
      dedup,
      config,
      readyTimeoutMs: 5000,
    });
    await expect(wrong.start()).rejects.toThrow(/401|Unauthorized/);
    expect(wrong.ready()).toBe(false);
    expect(discord.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    expect(discord.identifies).toBe(1);
  });

  it('refuses a non-operator’s start privately and changes nothing', async () => {
    const interaction = discord.slash(STRANGER, CHANNEL, 'start', { release: 'havana' });
    await discord.until(() => interaction.original?.edits, 'the edited reply');
    expect(interaction.callbacks).toEqual([5]);
    expect(interaction.ephemeral).toBe(true);
    expect(interaction.original?.content).toMatch(/only operators may start/);
    expect(await lab.database.store.active()).toEqual([]);
  });

  it('start → deferred public reply edited; upgrade message; failure post mentioning the bisected commit’s author', async () => {
    const interaction = discord.slash(OPERATOR, CHANNEL, 'start', { release: 'havana', env: 'lab' });
    await discord.until(() => interaction.original?.edits, 'the edited reply');
    expect(interaction.callbacks).toEqual([5]);
    expect(interaction.ephemeral).toBe(false);
    expect(interaction.original?.content).toMatch(/^upgrade #1 started: lab → havana/);

    const upgrade = await discord.until(() => topLevel('Upgrade #1')[0], 'the upgrade message');
    expect((await discord.until(() => discord.channel(upgrade.id), 'its thread')).type).toBe(11);
    const failure = await discord.until(() => topLevel('Failure #1')[0], 'the failure post', 30_000);
    await discord.until(() => failure.content.includes(`<@${ALICE.id}>`), 'the author mentioned', 30_000);
    const fields = failure.embeds[0]?.fields as Array<{ name: string; value: string }>;
    expect(fields.find((f) => f.name === 'Offending commit')?.value).toMatch(
      new RegExp(`<@${ALICE.id}>.*bisected`),
    );
    const buttons = JSON.stringify(failure.components);
    expect(buttons).toContain('drover:ack:failure:1');
    expect((await discord.until(() => discord.channel(failure.id), 'its thread')).parent_id).toBe(CHANNEL);
    await discord.until(
      () => /paused/.test(JSON.stringify(upgrade.embeds)),
      'the upgrade message edited to paused',
      30_000,
    );
    expect(upgrade.edits).toBeGreaterThan(0);
  }, 60_000);

  it('`ack` in the failure’s thread is stored once and the post edited; a stranger’s ack is refused', async () => {
    const failure = topLevel('Failure #1')[0]!;
    // The Acknowledge button: deferred update, then a private refusal for a stranger.
    const click = discord.click(STRANGER, failure, 'drover:ack:failure:1');
    await discord.until(() => click.followUps[0], 'the refusal of the click');
    expect(click.callbacks).toEqual([6]);
    expect(click.followUps[0]).toMatchObject({
      flags: 64,
      content: expect.stringMatching(/only developers and operators may ack/),
    });
    discord.say(STRANGER, failure.id, 'ack');
    await discord.until(
      () => discord.messages(failure.id).some((m) => /only developers and operators may ack/.test(m.content)),
      'the refusal',
    );
    discord.say(ALICE, failure.id, 'ack reverting the breaking change');
    const acked = await discord.until(
      async () => (await lab.database.store.failure(1))?.state === 'acked',
      'the ack',
    );
    expect(acked).toBe(true);
    expect(await lab.database.store.failure(1)).toMatchObject({
      ackedBy: 'Alice',
      ackNote: 'reverting the breaking change',
    });
    await discord.until(
      () => JSON.stringify(failure.embeds).includes('acknowledged by Alice'),
      'the post edited',
    );
    expect(JSON.stringify(failure.components)).not.toContain('drover:ack:');
  }, 30_000);

  it('survives a gateway disconnect: resumes, replays the command sent meanwhile, loses and duplicates nothing', async () => {
    const resumesBefore = discord.resumes;
    discord.disconnect();
    expect(discord.connected).toBe(0);
    // A role-holding operator rolls back while the bot is offline.
    const interaction = discord.slash(ROLE_OPERATOR, CHANNEL, 'rollback', { scope: 'all' });
    await discord.until(() => interaction.original?.edits, 'the replayed command answered', 20_000);
    expect(discord.resumes).toBe(resumesBefore + 1);
    expect(discord.identifies).toBe(1);
    expect(interaction.callbacks).toEqual([5]);
    expect(interaction.original?.content).toMatch(/rolling back every upgraded node/);
    await discord.until(
      async () => (await lab.database.store.load(1))?.upgrade.state === 'rolled_back',
      'the rollback',
      30_000,
    );
    await discord.until(
      async () => (await lab.database.outbox.pending('discord')) === 0,
      'the outbox drained',
      20_000,
    );
    expect(topLevel('Upgrade #1')).toHaveLength(1);
    expect(topLevel('Failure #1')).toHaveLength(1);
    await discord.until(
      () => /rolled back/.test(JSON.stringify(topLevel('Upgrade #1')[0]!.embeds)),
      'the upgrade message edited',
    );
    // Every delivered message is on Discord exactly once.
    const refs = (await lab.database.db.execute(
      "select ref from message_refs where platform = 'discord'",
    )) as unknown as { rows?: Array<{ ref: string }> } & Array<{ ref: string }>;
    const delivered = (refs.rows ?? refs).map((row) => row.ref).sort();
    const posted = [CHANNEL, ...topLevel('').map((m) => m.id)]
      .flatMap((id) => discord.messages(id))
      .filter((m) => !m.content.startsWith('only '))
      .map((m) => m.id)
      .sort();
    expect(posted).toEqual(delivered);
    expect(errors).toEqual([]);
  }, 60_000);
});

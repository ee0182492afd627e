// The payload fuzz over Discord's real path: generated `/upgrade` interactions (known and
// unknown subcommands, option values of every type, prototype names, control characters) sent
// through the fake gateway to discord.js in `drover serve`. Every one is answered (a reply or a
// private follow-up), nothing starts, and serve keeps serving. Seeded and bounded:
// DROVER_FUZZ_DISCORD_RUNS interactions (default 1,000).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { type FakeDiscord, type FakeInteraction, startFakeDiscord } from '../support/fake-discord.js';
import { discordOptions, discordSubcommand, discordValue, FUZZ_SEED } from '../support/fuzz-lines.js';
import { type Lab, startLab } from '../support/lab.js';
import { until } from '../support/wait.js';

const RUNS = Number(process.env.DROVER_FUZZ_DISCORD_RUNS ?? 1000);
const CHANNEL = '1122334455667788';
/** Neither operator nor developer in the lab's config. */
const STRANGER = { id: '4444444444' };

describe('fuzzing Discord interactions through discord.js', () => {
  let lab: Lab;
  let discord: FakeDiscord;
  let serving: Serving;
  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1 });
    discord = await startFakeDiscord({ channels: [CHANNEL], token: 'discord-token' });
    const yaml = readFileSync(lab.configPath, 'utf8');
    writeFileSync(
      lab.configPath,
      yaml.replace('channels: { slack: C0LAB }', `channels: { discord: "${CHANNEL}" }`),
    );
    serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        DISCORD_TOKEN: 'discord-token',
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), logger: silentLogger },
    );
    await until(
      async () => (await fetch(`http://127.0.0.1:${serving.port}/healthz`)).status === 200,
      'serve to be ready',
    );
  }, 60_000);
  afterAll(async () => {
    await serving?.stop(1_000);
    await discord?.close();
    await lab?.close();
  });

  it(`answers ${RUNS} generated interactions, starts nothing, and keeps serving`, async () => {
    const shapes = fc.sample(fc.tuple(discordSubcommand, discordOptions(discordValue)), {
      seed: FUZZ_SEED + 6,
      numRuns: RUNS,
    });
    const answered = (interaction: FakeInteraction) =>
      interaction.original?.edits || interaction.followUps.length > 0;
    // In batches, as a busy server would send them.
    for (let i = 0; i < shapes.length; i += 25) {
      const sent = shapes.slice(i, i + 25).map(([verb, values]) => ({
        verb,
        values,
        interaction: discord.slash(STRANGER, CHANNEL, verb, values),
      }));
      for (const { verb, values, interaction } of sent) {
        await discord.until(
          () => answered(interaction),
          `an answer to ${verb} ${JSON.stringify(values)}`,
          30_000,
        );
        const text = String(interaction.followUps[0]?.content ?? interaction.original?.content ?? '');
        expect(text, `${verb} ${JSON.stringify(values)}`).not.toMatch(
          /\n\s+at |TypeError|drover could not do that/,
        );
      }
    }
    expect(await serving.runtime.db.store.recent(10)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${serving.port}/healthz`)).status).toBe(200);
    const help = discord.slash(STRANGER, CHANNEL, 'help');
    await discord.until(() => answered(help), 'help after the fuzz');
    expect(String(help.original?.content ?? help.followUps[0]?.content)).toMatch(/start/);
  }, 300_000);
});

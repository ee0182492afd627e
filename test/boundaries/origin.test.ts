// Where a command comes from (issue 18, defect 10): an operator's id is not enough. Through
// `drover serve` with the real Bolt app against the fake Slack and discord.js against the fake
// gateway: a command from another Slack workspace is refused whatever its verb; a mutating verb
// in a direct message or in a channel that belongs to no environment is refused, saying where
// to go; reading works in a DM; nothing starts, and each refusal is audited.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Serving, startServe } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/engine/log.js';
import { type FakeDiscord, type FakeInteraction, startFakeDiscord } from '../support/fake-discord.js';
import { type FakeSlack, slackClient, startFakeSlack } from '../support/fake-slack.js';
import { type Lab, startLab } from '../support/lab.js';
import { until } from '../support/wait.js';

const SECRET = 'slack-secret';
const DISCORD_CHANNEL = '1122334455667788';
const DISCORD_ELSEWHERE = '1122334455669999';
const DISCORD_DM = '1122334455660000';
/** An operator in the lab's config (`operators: { discord: [...] }`). */
const DISCORD_OPERATOR = { id: '9988776655' };

describe('commands are taken only from the served workspace and the environment’s channels', () => {
  let lab: Lab;
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let serving: Serving;
  let client: ReturnType<typeof slackClient>;

  beforeAll(async () => {
    lab = await startLab({ controllers: 1, computes: 1 });
    const yaml = readFileSync(lab.configPath, 'utf8').replace(
      'channels: { slack: C0LAB }',
      `channels: { slack: C0LAB, discord: "${DISCORD_CHANNEL}" }`,
    );
    writeFileSync(lab.configPath, yaml);
    slack = await startFakeSlack();
    discord = await startFakeDiscord({
      channels: [DISCORD_CHANNEL, DISCORD_ELSEWHERE],
      token: 'discord-token',
    });
    serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: 'discord-token',
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), pollMs: 50, logger: silentLogger },
    );
    await until(
      async () => (await fetch(`http://127.0.0.1:${serving.port}/healthz`)).status === 200,
      'serve to be ready',
    );
    client = slackClient(
      `http://127.0.0.1:${serving.port}/slack/events`,
      SECRET,
      slack.apiUrl.replace(/\/api\/$/, ''),
    );
  }, 60_000);
  afterAll(async () => {
    await serving?.stop(1_000);
    await discord?.close();
    await slack?.close();
    await lab?.close();
  });

  const nothingStarted = async () => expect(await serving.runtime.db.store.recent(10)).toEqual([]);
  const slackText = async (answer: Promise<{ status: number; json: () => Record<string, unknown> }>) => {
    const response = await answer;
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body.response_type).toBe('ephemeral');
    return String(body.text);
  };
  /** The answer the asker sees: the edited reply, or a private follow-up replacing it. */
  const discordText = async (interaction: FakeInteraction) => {
    await discord.until(() => interaction.original?.edits || interaction.followUps[0], 'the reply');
    const followUp = interaction.followUps[0];
    if (followUp) {
      expect(interaction.deleted).toBe(true);
      expect(followUp.flags).toBe(64);
      return String(followUp.content);
    }
    return String(interaction.original?.content);
  };

  it('Slack: another workspace is refused whatever the verb, naming both workspaces', async () => {
    for (const line of ['start havana', 'status', 'help']) {
      const text = await slackText(client.command('U0OPS', line, { team: 'T2OTHER' }));
      expect(text, line).toMatch(/Slack workspace T2OTHER, not the one drover serves \(T1\)/);
    }
    await nothingStarted();
  });

  it('Slack: a mutating verb in a DM or a channel of no environment is refused; reading works', async () => {
    const inDm = await slackText(client.command('U0OPS', 'start havana', { channel: 'D0OPS' }));
    expect(inDm).toMatch(/start is not taken in a direct message: run it in the environment’s channel/);
    const elsewhere = await slackText(client.command('U0OPS', 'start havana', { channel: 'C0RANDOM' }));
    expect(elsewhere).toMatch(/this channel belongs to no environment in drover\.yaml/);
    const wrongEnv = await slackText(
      client.command('U0OPS', 'start havana env=lab', { channel: 'C0RANDOM' }),
    );
    expect(wrongEnv).toMatch(/start for lab is taken only in its channel \(<#C0LAB>\)/);
    await nothingStarted();
    const status = await slackText(client.command('U0OPS', 'status', { channel: 'D0OPS' }));
    expect(status).not.toMatch(/direct message|workspace/);
    const help = await slackText(client.command('U0OPS', 'help', { channel: 'D0OPS' }));
    expect(help).toMatch(/\/upgrade start/);
  });

  it('Discord: a mutating verb in an unconfigured channel or a DM is refused; reading works in a DM', async () => {
    const elsewhere = await discordText(
      discord.slash(DISCORD_OPERATOR, DISCORD_ELSEWHERE, 'start', { release: 'havana' }),
    );
    expect(elsewhere).toMatch(/this channel belongs to no environment in drover\.yaml/);
    const inDm = await discordText(
      discord.slashInDm(DISCORD_OPERATOR, DISCORD_DM, 'start', { release: 'havana' }),
    );
    expect(inDm).toMatch(/start is not taken in a direct message/);
    await nothingStarted();
    const status = await discordText(discord.slashInDm(DISCORD_OPERATOR, DISCORD_DM, 'status'));
    expect(status).not.toMatch(/direct message|not taken/);
  });

  it('each refusal is audited', async () => {
    const audit = await serving.runtime.db.governance.recentAudit(50);
    const refused = audit.filter((entry) => entry.outcome.startsWith('refused'));
    // 3 from another workspace, 3 Slack starts, 2 Discord starts.
    expect(refused.length).toBe(8);
    expect(refused.map((entry) => entry.outcome).join('\n')).toMatch(/direct message/);
  });

  it('and from the environment’s own channel, the same operator starts the upgrade', async () => {
    const text = await slackText(client.command('U0OPS', 'start havana'));
    expect(text).toMatch(/^upgrade #1 started/);
  });
});

describe('SLACK_TEAM_ID, when set, is the workspace served (not the bot token’s)', () => {
  it('a command from the token’s own workspace T1 is refused when SLACK_TEAM_ID names T9', async () => {
    const lab = await startLab({ controllers: 1, computes: 1 });
    const slack = await startFakeSlack();
    const serving = await startServe(
      {
        PORT: '0',
        DATABASE_URL: '',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        SLACK_TEAM_ID: 'T9',
      },
      lab.configPath,
      { dataDir: join(lab.root, 'serve-db'), logger: silentLogger },
    );
    try {
      const client = slackClient(
        `http://127.0.0.1:${serving.port}/slack/events`,
        SECRET,
        slack.apiUrl.replace(/\/api\/$/, ''),
      );
      const refused = (await client.command('U0OPS', 'start havana')).json();
      expect(refused.text).toMatch(/Slack workspace T1, not the one drover serves \(T9\)/);
      const taken = (await client.command('U0OPS', 'start havana', { team: 'T9' })).json();
      expect(taken.text).toMatch(/^upgrade #1 started/);
    } finally {
      await serving.stop(1_000);
      await slack.close();
      await lab.close();
    }
  }, 60_000);
});

// The /upgrade command built from the verb table, registered idempotently through the real
// @discordjs/rest client against the fake Discord, and subcommand options read back through
// the grammar.
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerCommands,
  registerWithToken,
  requestFromOptions,
  upgradeCommand,
} from '../../../src/adapters/discord/commands.js';
import { parseCommand, VERBS } from '../../../src/bot/grammar.js';
import { type FakeDiscord, startFakeDiscord } from '../../support/fake-discord.js';

describe('the /upgrade application command', () => {
  let discord: FakeDiscord;
  let rest: REST;
  beforeAll(async () => {
    discord = await startFakeDiscord();
    rest = new REST({ api: discord.apiUrl, retries: 0 }).setToken('test-token');
  });
  afterAll(async () => {
    await discord?.close();
  });

  it('has a subcommand per verb, with the grammar’s option names', () => {
    const command = upgradeCommand();
    expect(command.options.map((o) => o.name)).toEqual([...VERBS]);
    const options = (verb: string) =>
      command.options.find((o) => o.name === verb)?.options?.map((o) => o.name);
    expect(options('start')).toEqual(['release', 'env', 'strategy', 'batch', 'auto', 'override']);
    expect(options('retry')).toEqual(['node', 'env', 'id', 'override']);
    expect(options('rollback')).toEqual(['scope', 'env', 'id', 'override']);
    expect(options('ack')).toEqual(['failure', 'note']);
    expect(options('approve')).toEqual(['request']);
    expect(options('reject')).toEqual(['request', 'reason']);
    expect(options('lock')).toEqual(['reason', 'env']);
    expect(options('unlock')).toEqual(['env', 'force']);
    expect(options('audit')).toEqual(['env', 'n']);
    const start = command.options.find((o) => o.name === 'start')!.options!;
    expect(start[0]).toMatchObject({ name: 'release', type: 3, required: true });
    expect(start.find((o) => o.name === 'strategy')?.choices?.map((c) => c.value)).toEqual([
      'rolling',
      'waves',
      'all-at-once',
    ]);
    expect(start.find((o) => o.name === 'auto')?.type).toBe(5);
    const scope = command.options.find((o) => o.name === 'rollback')!.options![0]!;
    expect(scope.choices?.map((c) => c.value)).toEqual(['wave', 'all']);
  });

  it('registers when missing, does nothing when unchanged, updates when different, keeps other commands', async () => {
    await rest.put(`/applications/${discord.applicationId}/commands`, {
      body: [{ name: 'other', description: 'someone else’s', type: 1 }],
    });
    expect(await registerCommands({ rest, applicationId: discord.applicationId })).toBe('created');
    const writes = () => discord.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    expect(await registerCommands({ rest, applicationId: discord.applicationId })).toBe('unchanged');
    expect(writes()).toBe(before);

    // Someone edits the command by hand: the next registration puts it back.
    const upgrade = discord.commands().find((c) => c.name === 'upgrade')!;
    upgrade.options = (upgrade.options as unknown[]).slice(1);
    expect(await registerCommands({ rest, applicationId: discord.applicationId })).toBe('updated');
    expect(
      discord
        .commands()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['other', 'upgrade']);
    expect(await registerCommands({ rest, applicationId: discord.applicationId })).toBe('unchanged');

    expect(
      await registerCommands({ rest, applicationId: discord.applicationId, guildId: discord.guildId }),
    ).toBe('created');
    expect(discord.commands(`guild:${discord.guildId}`)).toHaveLength(1);
    const token = { token: 't', applicationId: discord.applicationId, apiUrl: discord.apiUrl };
    expect(await registerWithToken({ ...token, guildId: discord.guildId })).toBe('unchanged');
  });

  it('turns subcommand options into the grammar’s requests', () => {
    const from = (verb: string, values: Record<string, string | number | boolean>) => {
      const input = requestFromOptions(verb, (name) => values[name] ?? null);
      return typeof input === 'string' ? parseCommand(input) : input;
    };
    expect(
      from('start', { release: 'havana', env: 'lab', strategy: 'waves', batch: '25%', auto: true }),
    ).toEqual({
      verb: 'start',
      release: 'havana',
      env: 'lab',
      strategy: 'waves',
      batch: '25%',
      auto: true,
    });
    expect(from('rollback', { scope: 'all', id: 3 })).toEqual({ verb: 'rollback', scope: 'all', id: 3 });
    expect(from('retry', { node: 'cmp-01' })).toEqual({ verb: 'retry', node: 'cmp-01' });
    expect(from('status', { id: 2 })).toEqual({ verb: 'status', id: 2 });
    expect(from('help', { topic: 'ack' })).toEqual({ verb: 'help', topic: 'ack' });
    expect(from('start', { release: 'havana', override: 'hotfix for INC-42' })).toEqual({
      verb: 'start',
      release: 'havana',
      override: 'hotfix for INC-42',
    });
    expect(from('approve', { request: 3 })).toEqual({ verb: 'approve', request: 3 });
    expect(from('reject', { request: 3, reason: 'not during the sale' })).toEqual({
      verb: 'reject',
      request: 3,
      reason: 'not during the sale',
    });
    expect(from('lock', { env: 'lab', reason: 'db migration tonight' })).toEqual({
      verb: 'lock',
      env: 'lab',
      reason: 'db migration tonight',
    });
    expect(from('unlock', { force: true })).toEqual({ verb: 'unlock', force: true });
    expect(from('audit', { env: 'lab', n: 5 })).toEqual({ verb: 'audit', env: 'lab', n: 5 });
    expect(from('ack', { failure: 7, note: '  "reverting" it  ' })).toEqual({
      verb: 'ack',
      failure: 7,
      note: '"reverting" it',
    });
    // A value the grammar refuses stays refused: a release is one name.
    expect(() => from('start', { release: 'havana; rm -rf /' })).toThrow(/say which release/);
  });
});

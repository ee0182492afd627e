// `drover discord register [--guild ID] [--json]`: registers /upgrade with Discord when it is
// missing or different (serve does the same at start).
import { RefusedError } from '../errors.js';
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 90,
  define(program, { io }) {
    const discord = program.command('discord').description('Discord housekeeping');
    discord
      .command('register')
      .description('register the /upgrade command with Discord')
      .option('--guild <id>', 'register for one guild (instant) instead of globally')
      .option('--json', 'print {"outcome": "created" | "updated" | "unchanged"}')
      .addHelpText(
        'after',
        '\nneeds DISCORD_TOKEN and DISCORD_APPLICATION_ID; DISCORD_API_URL overrides the REST base',
      )
      .action(async (flags: { guild?: string; json?: boolean }) => {
        const token = io.env.DISCORD_TOKEN;
        const applicationId = io.env.DISCORD_APPLICATION_ID;
        if (!token || !applicationId)
          throw new RefusedError(
            `${token ? 'DISCORD_APPLICATION_ID' : 'DISCORD_TOKEN'} is missing: drover discord register needs DISCORD_TOKEN and DISCORD_APPLICATION_ID`,
          );
        const { registerWithToken } = await import('../adapters/discord/commands.js');
        const outcome = await registerWithToken({
          token,
          applicationId,
          apiUrl: io.env.DISCORD_API_URL || undefined,
          guildId: flags.guild,
        });
        io.out(
          flags.json
            ? JSON.stringify({ outcome })
            : `/upgrade ${outcome === 'unchanged' ? 'is already registered as it should be' : outcome}`,
        );
      });
  },
};

// `drover discord register [--guild ID]`: registers /upgrade with Discord when it is missing
// or different (serve does the same at start).
import { parseArgs } from 'node:util';
import { registerWithToken } from '../adapters/discord/commands.js';
import type { Io } from '../cli.js';
import { UsageError } from '../errors.js';

const USAGE =
  'usage: drover discord register [--guild ID]   (needs DISCORD_TOKEN and DISCORD_APPLICATION_ID; DISCORD_API_URL overrides the REST base)';

export async function discordCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { guild: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals[0] !== 'register') throw new UsageError(USAGE);
  const token = io.env.DISCORD_TOKEN;
  const applicationId = io.env.DISCORD_APPLICATION_ID;
  if (!token || !applicationId)
    throw new UsageError(`${token ? 'DISCORD_APPLICATION_ID' : 'DISCORD_TOKEN'} is missing. ${USAGE}`);
  const outcome = await registerWithToken({
    token,
    applicationId,
    apiUrl: io.env.DISCORD_API_URL || undefined,
    guildId: values.guild,
  });
  io.out(`/upgrade ${outcome === 'unchanged' ? 'is already registered as it should be' : outcome}`);
  return 0;
}

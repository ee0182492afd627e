// Where a chat command comes from, and whether it may act from there. Chat ids alone would
// let an operator id from another Slack workspace, a DM, or any channel the bot sits in run
// an upgrade: mutating verbs (every verb not for `anyone`) are taken only from the
// configured Slack team and from the channels of the environment they act on (the one they
// name, else the one their upgrade, request or failure is of); a DM with
// the bot, or any channel, may still read (plan, status, digest, help). A command from
// another Slack team is refused whatever its verb.
import type { Config } from '../config/schema.js';
import { own } from '../engine/lookup.js';

export interface Origin {
  platform: 'slack' | 'discord';
  /** The Slack team (workspace) id of the request. */
  team?: string | undefined;
  /** The Slack team drover serves: SLACK_TEAM_ID, else the bot token's (auth.test). */
  expectedTeam?: string | undefined;
  /** The channel the command was typed in or the button pressed in (a thread: its channel). */
  channel?: string | undefined;
  /** A direct message with the bot. */
  direct?: boolean;
}

/** Why a command may not run from its origin, or undefined when it may. */
export function originRefusal(
  config: Config,
  origin: Origin | undefined,
  request: {
    verb: string;
    /** The environment the command names (`env=`). */
    env?: string | undefined;
    /** The environment it acts on when it names none (its upgrade's, request's, failure's). */
    target?: string | undefined;
  },
  mutating: boolean,
): string | undefined {
  if (!origin) return undefined;
  if (origin.platform === 'slack') {
    if (!origin.expectedTeam)
      return 'drover has not yet learned which Slack workspace it serves (auth.test has not answered): try again in a moment';
    if (origin.team !== origin.expectedTeam)
      return `this command comes from Slack workspace ${origin.team ?? '(none)'}, not the one drover serves (${origin.expectedTeam})`;
  }
  if (!mutating) return undefined;
  if (origin.direct || !origin.channel)
    return `${request.verb} is not taken in a direct message: run it in the environment’s channel (read-only verbs work here)`;
  const home = Object.values(config.environments).some(
    (env) => env.channels[origin.platform] === origin.channel,
  );
  if (request.env === undefined && !home)
    return `this channel belongs to no environment in drover.yaml: ${request.verb} is taken only in an environment’s channel`;
  const name = request.env ?? request.target;
  if (name === undefined) return undefined;
  const env = own(config.environments, name);
  // An unknown environment: the engine names it.
  if (!env) return undefined;
  const expected = env.channels[origin.platform];
  if (expected === undefined)
    return `environment ${name} has no ${origin.platform} channel in drover.yaml: ${request.verb} is taken only in an environment’s channel`;
  if (expected !== origin.channel)
    return `${request.verb} for ${name} is taken only in its channel (<#${expected}>), not here`;
  return undefined;
}

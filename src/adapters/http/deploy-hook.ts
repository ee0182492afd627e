// POST /hooks/deploy: a CI/CD pipeline starts an upgrade to one commit (the continuous-deployment
// model) with the body's `strategy` or the environment's (its canary first); a deploy still
// running in the environment is superseded by it.
// Who may call it, and only once per delivery, is checked before (webhook-auth.ts).
// The release is the body's `release`, else the newest one in `releases.order`.
// Nothing starts unless the environment, the release and the commit all check
// (`checkDeployRequest`); then the hook is the verb `start` pinned to the commit, carried out
// by the dispatcher like any chat command (authorized, audited) as actor `webhook:deploy`.
import { z } from 'zod';
import type { Dispatcher } from '../../bot/dispatch.js';
import type { CommandRequest } from '../../bot/grammar.js';
import { type Config, strategyKind } from '../../config/schema.js';
import type { Commits } from '../../engine/ports.js';
import type { Actor } from '../../engine/types.js';

const body = z.strictObject({
  environment: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{7,40}$/i, 'a commit sha (7 to 40 hex digits)'),
  /** Which release the commit belongs to (default: the newest in releases.order). */
  release: z.string().min(1).optional(),
  /** How to roll it out (default: the environment's strategy, its canary first). */
  strategy: strategyKind.optional(),
  /** Deploy a commit older than what the environment runs (a deliberate downgrade). */
  allowDowngrade: z.boolean().optional(),
});

const ACTOR: Actor = { id: 'webhook:deploy', platform: 'webhook', name: 'deploy hook' };

export interface DeployHookInput {
  rawBody: string;
  dispatcher: Dispatcher;
  commits: Commits | undefined;
  config: Config;
}

/** The newest release of `releases.order` that has an entry (a ref) under `releases`. */
export function newestRelease(config: Config): string | undefined {
  return [...config.releases.order].reverse().find((name) => Object.hasOwn(config.releases.named, name));
}

export interface HookAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function handleDeployHook(input: DeployHookInput): Promise<HookAnswer> {
  const checked = await checkDeployRequest(input);
  if ('status' in checked) return checked;
  const outcome = await input.dispatcher.handle(ACTOR, checked);
  if (!outcome.ok || !outcome.snapshot) return { status: 409, body: { error: outcome.text } };
  const { upgrade } = outcome.snapshot;
  return {
    status: 202,
    body: {
      upgrade: upgrade.id,
      environment: upgrade.environment,
      release: upgrade.release,
      commit: upgrade.plan.commit,
    },
  };
}

/** The request's own checks, before anything is asked of drover: an answer, or the command. */
export async function checkDeployRequest(
  input: Omit<DeployHookInput, 'dispatcher'>,
): Promise<HookAnswer | CommandRequest> {
  let json: unknown;
  try {
    json = JSON.parse(input.rawBody);
  } catch (error) {
    return {
      status: 400,
      body: { error: `the body is not JSON: ${error instanceof Error ? error.message : String(error)}` },
    };
  }
  const parsed = body.safeParse(json);
  if (!parsed.success)
    return {
      status: 400,
      body: {
        error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      },
    };
  const { environment, commit } = parsed.data;
  if (!Object.hasOwn(input.config.environments, environment))
    return { status: 400, body: { error: `unknown environment "${environment}"` } };
  const release = parsed.data.release ?? newestRelease(input.config);
  if (!release || !Object.hasOwn(input.config.releases.named, release))
    return { status: 400, body: { error: `unknown release "${release ?? ''}"` } };
  if (!input.commits)
    return {
      status: 400,
      body: { error: `the deploy repository ${input.config.releases.repo} is not available here` },
    };
  let sha: string;
  try {
    sha = await input.commits.resolve(commit);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { status: 400, body: { error: `unknown commit ${commit}: ${why}` } };
  }
  const strategy = parsed.data.strategy;
  return {
    verb: 'start',
    release,
    env: environment,
    ...(strategy ? { strategy } : {}),
    commit: sha,
    supersede: true,
    ...(parsed.data.allowDowngrade ? { allowDowngrade: true } : {}),
  };
}

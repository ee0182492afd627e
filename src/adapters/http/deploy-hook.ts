// POST /hooks/deploy: a CI/CD pipeline starts an all-at-once upgrade to one commit (the
// continuous-deployment model), so a failure is attributed to that commit directly.
// Who may call it, and only once per delivery, is checked before (webhook-auth.ts).
// The release is the body's `release`, else the newest one in `releases.order`.
// Nothing starts unless the signature, the environment, the release and the commit all check.
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import type { Upgrades } from '../../engine/api.js';
import type { Commits } from '../../engine/ports.js';
import type { Actor } from '../../engine/types.js';
import { DroverError } from '../../errors.js';

const body = z.strictObject({
  environment: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{7,40}$/i, 'a commit sha (7 to 40 hex digits)'),
  /** Which release the commit belongs to (default: the newest in releases.order). */
  release: z.string().min(1).optional(),
  /** Deploy a commit older than what the environment runs (a deliberate downgrade). */
  allowDowngrade: z.boolean().optional(),
});

const ACTOR: Actor = { id: 'webhook:deploy', platform: 'webhook', name: 'deploy hook' };

export interface DeployHookInput {
  rawBody: string;
  upgrades: Upgrades;
  commits: Commits | undefined;
  config: Config;
}

/** The newest release of `releases.order` that has an entry (a ref) under `releases`. */
export function newestRelease(config: Config): string | undefined {
  return [...config.releases.order].reverse().find((name) => Object.hasOwn(config.releases.named, name));
}

export async function handleDeployHook(
  input: DeployHookInput,
): Promise<{ status: number; body: Record<string, unknown> }> {
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
  try {
    const snapshot = await input.upgrades.start(ACTOR, release, {
      environment,
      strategy: 'all-at-once',
      commit: sha,
      ...(parsed.data.allowDowngrade ? { allowDowngrade: true } : {}),
    });
    return {
      status: 202,
      body: { upgrade: snapshot.upgrade.id, environment, release, commit: snapshot.upgrade.plan.commit },
    };
  } catch (error) {
    if (error instanceof DroverError) return { status: 409, body: { error: error.message } };
    throw error;
  }
}

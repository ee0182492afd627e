// The policy step of the command path: freezes, locks and approvals, checked after
// authorization and before a verb is carried out. Returns what to do; the dispatcher acts on it.
import { formatZoned } from '../../config/zoned.js';
import type { UpgradeSnapshot } from '../../engine/ports.js';
import type { Actor } from '../../engine/types.js';
import type { ActorContext } from '../auth.js';
import type { CommandRequest } from '../grammar.js';
import { type ApprovalRequestRecord, approvalsNeeded, commandLine, type GatedVerb } from './approvals.js';
import { environmentConfig, type GovernanceDeps, timezoneOf } from './context.js';
import { activeFreeze, type Freeze } from './freeze.js';
import { lockRefusal } from './locks.js';
import { notice, requestKey, requestMessage } from './render.js';

/** What the policy says about a command: let it through, refuse it, or turn it into a request. */
export type Verdict =
  | { kind: 'pass'; freeze?: Freeze | undefined }
  | { kind: 'refuse'; text: string; record: string }
  | {
      kind: 'requested';
      text: string;
      request: ApprovalRequestRecord;
      upgradeId: number | null;
      /** A start's upgrade, created awaiting approval. */
      snapshot?: UpgradeSnapshot | undefined;
    };

/** Governance context a command carries once approved: it is carried out as the requester. */
export interface Approved {
  requestId: number;
  upgradeId: number | null;
  approvers: string[];
}

const FROZEN_VERBS = new Set(['start', 'step']);

export async function checkPolicy(
  deps: GovernanceDeps,
  actor: Actor,
  request: CommandRequest,
  context: ActorContext,
  environment: string | undefined,
  approved: Approved | undefined,
): Promise<Verdict> {
  const env = environmentConfig(deps.config, environment);
  if (!env || environment === undefined) return { kind: 'pass' };
  const now = deps.clock.now();
  const override = 'override' in request ? request.override : undefined;

  if (FROZEN_VERBS.has(request.verb)) {
    const freeze = activeFreeze(env.freeze, timezoneOf(env), now);
    if (freeze && !override) {
      const until = freeze.endless
        ? `at least ${formatZoned(freeze.end, timezoneOf(env))}`
        : formatZoned(freeze.end, timezoneOf(env));
      return {
        kind: 'refuse',
        text: `${request.verb} refused: ${environment} is frozen (${freeze.reason}) until ${until}. To pass it anyway, add override="<reason>" (audited and announced)`,
        record: `frozen: ${freeze.reason}`,
      };
    }
    const lock = await deps.governance.lock(environment);
    const locked = lockRefusal(lock, actor, request.verb, now);
    if (locked)
      return { kind: 'refuse', text: locked, record: `locked by ${lock!.holderName}: ${lock!.reason}` };
    if (approved || approvalsNeeded(deps.config, environment, request.verb) === 0)
      return { kind: 'pass', freeze: freeze && override ? freeze : undefined };
  } else if (approved || approvalsNeeded(deps.config, environment, request.verb) === 0)
    return { kind: 'pass' };

  return requestApproval(deps, actor, request, context, environment);
}

async function requestApproval(
  deps: GovernanceDeps,
  actor: Actor,
  request: CommandRequest,
  context: ActorContext,
  environment: string,
): Promise<Verdict> {
  const env = environmentConfig(deps.config, environment)!;
  const verb = request.verb as GatedVerb;
  const needed = approvalsNeeded(deps.config, environment, verb);
  const now = deps.clock.now();
  let upgradeId: number | null = null;
  let snapshot: UpgradeSnapshot | undefined;
  if (request.verb === 'start') {
    // The upgrade exists from now on, awaiting approval: `status` shows it and its plan, and
    // nobody else starts one in the environment meanwhile.
    snapshot = await deps.upgrades.start(actor, request.release, {
      environment,
      ...(request.strategy ? { strategy: request.strategy } : {}),
      ...(request.batch
        ? { batch: request.batch.endsWith('%') ? request.batch : Number.parseInt(request.batch, 10) }
        : {}),
      ...(request.auto ? { auto: true } : {}),
      ...(request.commit ? { commit: request.commit } : {}),
      awaitingApproval: `awaiting ${needed} approval(s) from other operators`,
    });
    upgradeId = snapshot.upgrade.id;
  } else if ('id' in request && request.id) upgradeId = request.id;
  else upgradeId = (await deps.store.active(environment))[0]?.id ?? null;
  const created = await deps.governance.createRequest({
    environment,
    verb,
    command: { ...request, env: environment },
    requester: actor,
    requesterContext: context.discordRoles ? { discordRoles: context.discordRoles } : {},
    needed,
    upgradeId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + env.approvalTimeout),
  });
  await deps.announce?.(environment, requestKey(created.id), requestMessage(created));
  return {
    kind: 'requested',
    text: `\`${commandLine(created.command)}\` needs ${needed} approval(s) from other operators of ${environment}: request #${created.id}${upgradeId && verb === 'start' ? ` (upgrade #${upgradeId} awaits it)` : ''}, expires ${created.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    request: created,
    upgradeId,
    snapshot,
  };
}

/** After a command passed a freeze by override: say so in the environment's channel. */
export async function announceOverride(
  deps: GovernanceDeps,
  actor: Actor,
  request: CommandRequest,
  environment: string,
  freeze: Freeze,
): Promise<void> {
  const reason = 'override' in request ? request.override : '';
  await deps.announce?.(
    environment,
    `freeze-override:${environment}:${deps.clock.now().getTime()}:${actor.id}`,
    notice(
      `${actor.name} overrode the freeze of ${environment} (${freeze.reason}) to ${commandLine({ ...request })}: ${reason}`,
    ),
  );
}

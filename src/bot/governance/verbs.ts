// The governance verbs: approve, reject, lock, unlock, audit. Each returns the reply; the
// dispatcher has already authorized the actor (an operator — or, for audit, a developer —
// of the environment) and audits the outcome.

import { humanSpan } from '../../config/zoned.js';
import type { Actor } from '../../engine/types.js';
import { DroverError, NotFoundError, RefusedError } from '../../errors.js';
import type { ActorContext } from '../auth.js';
import { type CommandRequest, parseCommand } from '../grammar.js';
import {
  type ApprovalRequestRecord,
  commandLine,
  decideApproval,
  decideReject,
  describeRequest,
} from './approvals.js';
import type { GovernanceDeps } from './context.js';
import { decideLock, decideUnlock } from './locks.js';
import type { Approved } from './policy.js';
import { notice, requestKey, requestMessage } from './render.js';

export interface GovernanceReply {
  text: string;
  ephemeral?: boolean;
  upgradeId?: number | undefined;
  requestId?: number | undefined;
}

/** Runs an approved command through the whole command path again, as the requester. */
export type CarryOut = (
  actor: Actor,
  request: CommandRequest,
  context: ActorContext,
  approved: Approved,
) => Promise<{ ok: boolean; text: string }>;

type Answer = Extract<CommandRequest, { verb: 'approve' | 'reject' }>;

async function load(deps: GovernanceDeps, id: number): Promise<ApprovalRequestRecord> {
  const request = await deps.governance.request(id);
  if (!request) throw new NotFoundError(`no request #${id}`);
  return request;
}

/** Ends a request whose time is up: its post says so, a start awaiting it ends aborted. */
export async function expire(deps: GovernanceDeps, request: ApprovalRequestRecord): Promise<boolean> {
  const reason = `expired after ${humanSpan(request.expiresAt.getTime() - request.createdAt.getTime())} with ${request.approvals.length}/${request.needed} approvals`;
  if (!(await deps.governance.endRequest(request.id, 'expired', reason, deps.clock.now()))) return false;
  await endAwaiting(deps, request, `request #${request.id} ${reason}`);
  await deps.announce?.(
    request.environment,
    requestKey(request.id),
    requestMessage({ ...request, state: 'expired', reason }),
  );
  await deps.store.audit({
    actor: { id: 'drover:approvals', platform: 'engine', name: 'drover' },
    command: 'expire',
    args: { request: request.id },
    outcome: reason,
    upgradeId: request.upgradeId,
    requestId: request.id,
    environment: request.environment,
  });
  return true;
}

async function endAwaiting(deps: GovernanceDeps, request: ApprovalRequestRecord, reason: string) {
  if (request.verb !== 'start' || request.upgradeId === null) return;
  try {
    await deps.upgrades.endAwaiting(
      { id: 'drover:approvals', platform: 'engine', name: 'drover' },
      request.upgradeId,
      reason,
    );
  } catch (error) {
    // The upgrade was aborted by hand meanwhile: nothing left to end.
    if (!(error instanceof DroverError)) throw error;
  }
}

/** Expires every pending request whose time is up at the clock's now; returns how many. */
export async function expireDue(deps: GovernanceDeps): Promise<number> {
  let count = 0;
  for (const request of await deps.governance.expiredRequests(deps.clock.now()))
    if (await expire(deps, request)) count += 1;
  return count;
}

export async function answer(
  deps: GovernanceDeps,
  actor: Actor,
  command: Answer,
  carryOut: CarryOut,
): Promise<GovernanceReply> {
  const request = await load(deps, command.request);
  const now = deps.clock.now();
  const at = { requestId: request.id, upgradeId: request.upgradeId ?? undefined };
  if (command.verb === 'reject') {
    const decision = decideReject(deps.config, request, actor, now);
    if (decision.kind === 'refuse') throw new RefusedError(decision.text);
    if (decision.kind === 'expire') {
      await expire(deps, request);
      throw new RefusedError(`request #${request.id} has expired`);
    }
    const reason = `rejected by ${actor.name}${command.reason ? `: ${command.reason}` : ''}`;
    if (!(await deps.governance.endRequest(request.id, 'rejected', reason, now)))
      throw new RefusedError(`request #${request.id} was answered meanwhile`);
    await endAwaiting(deps, request, `request #${request.id} ${reason}`);
    await deps.announce?.(
      request.environment,
      requestKey(request.id),
      requestMessage({ ...request, state: 'rejected', reason }),
    );
    return { text: `request #${request.id} (${commandLine(request.command)}) ${reason}`, ...at };
  }

  const decision = decideApproval(deps.config, request, actor, now);
  if (decision.kind === 'refuse') throw new RefusedError(decision.text);
  if (decision.kind === 'expire') {
    await expire(deps, request);
    throw new RefusedError(
      `request #${request.id} has expired (${request.expiresAt.toISOString()}); ask again`,
    );
  }
  const counted = (await deps.governance.addApproval(request.id, actor, now)) ?? request;
  if (decision.kind === 'count') {
    await deps.announce?.(request.environment, requestKey(request.id), requestMessage(counted));
    return {
      text: `request #${request.id}: approved by ${actor.name}; ${decision.remaining} more needed`,
      ...at,
    };
  }
  const approvers = counted.approvals.map((given) => given.name);
  const reason = `approved by ${approvers.join(', ')}`;
  if (!(await deps.governance.endRequest(request.id, 'approved', reason, now)))
    throw new RefusedError(`request #${request.id} was answered meanwhile`);
  const ended = { ...counted, state: 'approved' as const, reason };
  const result = await carryOut(request.requester, commandOf(request), request.requesterContext, {
    requestId: request.id,
    upgradeId: request.upgradeId,
    approvers,
  });
  if (!result.ok) await endAwaiting(deps, request, `request #${request.id} approved, but: ${result.text}`);
  const outcome = result.ok
    ? `carried out as ${request.requester.name}: ${result.text}`
    : `approved, but refused: ${result.text}`;
  await deps.announce?.(request.environment, requestKey(request.id), requestMessage(ended, outcome));
  return { text: `request #${request.id} ${reason}; ${outcome}`, ...at };
}

/**
 * The stored command back as a request: its line, parsed again by the grammar, plus the pinned
 * commit of a deploy (the grammar has no word for it).
 */
function commandOf(request: ApprovalRequestRecord): CommandRequest {
  const { commit, ...typed } = request.command;
  const parsed = parseCommand(commandLine(typed, true));
  return parsed.verb === 'start' && typeof commit === 'string' ? { ...parsed, commit } : parsed;
}

export async function lock(
  deps: GovernanceDeps,
  actor: Actor,
  command: Extract<CommandRequest, { verb: 'lock' }>,
  environment: string,
): Promise<GovernanceReply> {
  const now = deps.clock.now();
  const existing = await deps.governance.lock(environment);
  const decision = decideLock(existing, actor, now);
  if (decision.kind === 'refuse') throw new RefusedError(decision.text);
  const held =
    decision.kind === 'renew'
      ? await deps.governance.renewLock(environment, actor.id, command.reason)
      : await deps.governance.takeLock({
          environment,
          holderId: actor.id,
          holderName: actor.name,
          reason: command.reason,
          since: now,
        });
  if (!held) throw new RefusedError(`${environment} was locked or unlocked meanwhile; try again`);
  await deps.announce?.(
    environment,
    `lock:${environment}:${now.getTime()}`,
    notice(`${actor.name} locked ${environment}: ${command.reason}`),
  );
  return {
    text: `${environment} locked by ${actor.name}: ${command.reason}. Others cannot start or step there until \`unlock env=${environment}\``,
  };
}

export async function unlock(
  deps: GovernanceDeps,
  actor: Actor,
  command: Extract<CommandRequest, { verb: 'unlock' }>,
  environment: string,
): Promise<GovernanceReply> {
  const now = deps.clock.now();
  const existing = await deps.governance.lock(environment);
  const decision = decideUnlock(existing, actor, command.force === true, environment, now);
  if (decision.kind === 'refuse') throw new RefusedError(decision.text);
  if (!(await deps.governance.releaseLock(environment, existing!.holderId)))
    throw new RefusedError(`${environment} was unlocked meanwhile`);
  const text = decision.forced
    ? `${actor.name} force-unlocked ${environment}, held by ${existing!.holderName} for ${humanSpan(now.getTime() - existing!.since.getTime())}: ${existing!.reason}`
    : `${actor.name} unlocked ${environment}`;
  await deps.announce?.(
    environment,
    `lock:${environment}:${now.getTime()}`,
    notice(text, decision.forced ? 'warning' : 'info'),
  );
  return { text };
}

export async function auditLines(
  deps: GovernanceDeps,
  command: Extract<CommandRequest, { verb: 'audit' }>,
): Promise<GovernanceReply> {
  const entries = await deps.governance.recentAudit(command.n ?? 20, command.env);
  if (entries.length === 0)
    return { text: `no audit entries${command.env ? ` for ${command.env}` : ''}`, ephemeral: true };
  const lines = entries.map((entry) => {
    const args = commandLine({ ...entry.args, verb: undefined }, true);
    const refs = [
      entry.upgradeId ? `upgrade #${entry.upgradeId}` : '',
      entry.requestId ? `request #${entry.requestId}` : '',
      entry.environment ?? '',
    ].filter(Boolean);
    return `${entry.at.toISOString().slice(0, 19).replace('T', ' ')}  ${entry.actor.name} (${entry.actor.platform})  ${entry.command}${args ? ` ${args}` : ''} → ${entry.outcome}${refs.length ? `  [${refs.join(', ')}]` : ''}`;
  });
  return { text: lines.join('\n'), ephemeral: true };
}

/** `status` lines: the environment's lock and its pending requests. */
export async function statusLines(deps: GovernanceDeps, environment: string | undefined): Promise<string[]> {
  const now = deps.clock.now();
  const names = environment ? [environment] : Object.keys(deps.config.environments);
  const lines: string[] = [];
  for (const name of names) {
    const held = await deps.governance.lock(name);
    if (held)
      lines.push(
        `${name} is locked by ${held.holderName} for ${humanSpan(now.getTime() - held.since.getTime())}: ${held.reason}`,
      );
  }
  for (const request of await deps.governance.pendingRequests(environment))
    if (request.expiresAt.getTime() > now.getTime()) lines.push(describeRequest(request));
  return lines;
}

export { describeRequest };

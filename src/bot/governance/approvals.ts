// Approval requests (PRODUCT.md, "Approvals, locks and freezes"): a verb the environment's
// `approvals:` covers becomes a request that N *other* operators approve within
// `approvalTimeout`; then it is carried out as the requester. Pure decisions over a request.
import type { Config } from '../../config/schema.js';
import type { Actor } from '../../engine/types.js';

export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** Verbs `approvals:` may cover. */
export type GatedVerb = 'start' | 'step' | 'rollback';

export interface ApprovalRequestRecord {
  id: number;
  environment: string;
  verb: GatedVerb;
  /** The command as the requester gave it (a CommandRequest), carried out once approved. */
  command: Record<string, unknown>;
  requester: Actor;
  /** What authorized the requester (Discord role ids), to authorize the carrying out alike. */
  requesterContext: { discordRoles?: string[] };
  needed: number;
  state: ApprovalState;
  /** Why it ended: "approved by Bob", "rejected by Bob: not today", "expired after 1h". */
  reason: string;
  /** The upgrade it is about: the one it will start (created awaiting approval), or acts on. */
  upgradeId: number | null;
  approvals: Array<{ actorId: string; name: string; at: Date }>;
  createdAt: Date;
  expiresAt: Date;
}

/** How many other operators must approve `verb` in `environment` (0: none, it just runs). */
export function approvalsNeeded(config: Config, environment: string, verb: string): number {
  if (!Object.hasOwn(config.environments, environment)) return 0;
  const approvals = config.environments[environment]!.approvals;
  if (verb === 'start' || verb === 'step' || verb === 'rollback') return approvals[verb];
  return 0;
}

/** Whether two actors are the same person: the same id, or ids `people:` maps to one person. */
export function samePerson(config: Config, a: Actor, b: Actor): boolean {
  if (a.id === b.id) return true;
  const personOf = (actor: Actor) => {
    const [platform, ...rest] = actor.id.split(':');
    const id = rest.join(':');
    return config.people.find(
      (p) => (platform === 'slack' && p.slack === id) || (platform === 'discord' && p.discord === id),
    )?.email;
  };
  const first = personOf(a);
  return first !== undefined && first === personOf(b);
}

export type ApprovalDecision =
  | { kind: 'count'; remaining: number }
  | { kind: 'approve' }
  | { kind: 'expire' }
  | { kind: 'refuse'; text: string };

const ended = (request: ApprovalRequestRecord) =>
  `request #${request.id} is already ${request.state}${request.reason ? ` (${request.reason})` : ''}`;

export function isExpired(request: ApprovalRequestRecord, now: Date): boolean {
  return request.state === 'pending' && now.getTime() >= request.expiresAt.getTime();
}

/** What `approve <id>` by `actor` does to `request` at `now`. */
export function decideApproval(
  config: Config,
  request: ApprovalRequestRecord,
  actor: Actor,
  now: Date,
): ApprovalDecision {
  if (request.state !== 'pending') return { kind: 'refuse', text: ended(request) };
  if (isExpired(request, now)) return { kind: 'expire' };
  if (samePerson(config, request.requester, actor))
    return {
      kind: 'refuse',
      text: `you asked for request #${request.id}: another operator of ${request.environment} must approve it`,
    };
  if (request.approvals.some((given) => given.actorId === actor.id))
    return { kind: 'refuse', text: `you already approved request #${request.id}` };
  const remaining = request.needed - request.approvals.length - 1;
  return remaining <= 0 ? { kind: 'approve' } : { kind: 'count', remaining };
}

export type RejectDecision = { kind: 'reject' } | { kind: 'expire' } | { kind: 'refuse'; text: string };

/** What `reject <id>` by `actor` does (operators other than the requester, as for approve). */
export function decideReject(
  config: Config,
  request: ApprovalRequestRecord,
  actor: Actor,
  now: Date,
): RejectDecision {
  if (request.state !== 'pending') return { kind: 'refuse', text: ended(request) };
  if (isExpired(request, now)) return { kind: 'expire' };
  if (samePerson(config, request.requester, actor))
    return {
      kind: 'refuse',
      text: `you asked for request #${request.id}: another operator of ${request.environment} answers it (it expires at ${request.expiresAt.toISOString()})`,
    };
  return { kind: 'reject' };
}

/** One line for `status` and replies: "#3 start havana in production by Alice: 0/1 approvals, expires 17:02Z". */
export function describeRequest(request: ApprovalRequestRecord): string {
  const what = commandLine(request.command);
  const count = `${request.approvals.length}/${request.needed} approval${request.needed === 1 ? '' : 's'}`;
  const tail =
    request.state === 'pending'
      ? `expires ${request.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`
      : `${request.state}${request.reason ? ` — ${request.reason}` : ''}`;
  return `request #${request.id}: \`${what}\` in ${request.environment} by ${request.requester.name}: ${count}, ${tail}`;
}

/**
 * The command back as a line the grammar parses (`start havana env=production`), for posts,
 * replies and carrying an approved request out. `full`: with its `override="…"`.
 */
export function commandLine(command: Record<string, unknown>, full = false): string {
  const { verb, release, node, scope, ...rest } = command;
  const words = [verb, release, scope, node].filter(
    (word): word is string | number => typeof word === 'string' || typeof word === 'number',
  );
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === false || (key === 'override' && !full)) continue;
    const text = String(value);
    words.push(
      value === true ? key : /[\s"']/.test(text) ? `${key}="${text.replace(/"/g, "'")}"` : `${key}=${text}`,
    );
  }
  return words.map(String).join(' ');
}

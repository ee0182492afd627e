// Governance's chat messages: the approval request post (edited as approvals arrive and when
// it ends), and the notices of locks, forced unlocks and freeze overrides. Cut to every
// platform's limits through ../limits.ts.
import { COMMON, clip, names } from '../limits.js';
import type { ChatMessage } from '../model.js';
import { type ApprovalRequestRecord, commandLine } from './approvals.js';

export const requestKey = (id: number) => `approval:${id}`;

const minute = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function requestMessage(request: ApprovalRequestRecord, outcome?: string): ChatMessage {
  const what = clip(commandLine(request.command), COMMON.subject);
  const given = names(
    request.approvals.map((approval) => approval.name),
    COMMON.field - 16,
  );
  const pending = request.state === 'pending';
  const state = pending
    ? `waiting for ${request.needed - request.approvals.length} more approval(s)`
    : `${request.state}${request.reason ? ` — ${request.reason}` : ''}`;
  return {
    summary: clip(
      `Request #${request.id}: ${what} in ${request.environment} by ${request.requester.name} — ${pending ? 'needs approval' : request.state}`,
      COMMON.summary,
    ),
    title: [{ bold: `Request #${request.id}: ` }, { code: what }, ` in ${request.environment}`],
    fields: [
      { label: 'Requested by', value: [clip(request.requester.name, COMMON.field)] },
      {
        label: 'Approvals',
        value: [`${request.approvals.length}/${request.needed}${given ? ` (${given})` : ''}`],
      },
      { label: 'State', value: [clip(state, COMMON.field)] },
      ...(pending ? [{ label: 'Expires', value: [minute(request.expiresAt)] }] : []),
    ],
    ...(outcome ? { lines: [[clip(outcome, COMMON.line)]] } : {}),
    buttons: pending
      ? [
          { action: 'approve', label: 'Approve', value: String(request.id), style: 'primary' },
          { action: 'reject', label: 'Reject', value: String(request.id), style: 'danger' },
        ]
      : [],
    context: [
      pending
        ? `another operator of ${request.environment} approves with the button or \`approve ${request.id}\`; the requester cannot`
        : `requested ${minute(request.createdAt)}`,
    ],
    tone: pending ? 'warning' : request.state === 'approved' ? 'good' : 'danger',
  };
}

/** A one-line notice in the environment's channel. */
export function notice(summary: string, tone: ChatMessage['tone'] = 'warning'): ChatMessage {
  return { summary: clip(summary, COMMON.summary), tone };
}

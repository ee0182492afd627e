// Governance's chat messages: the approval request post (edited as approvals arrive and when
// it ends), and the announcements of a forced unlock and of a freeze override.
import type { ChatMessage } from '../model.js';
import { type ApprovalRequestRecord, commandLine } from './approvals.js';

export const requestKey = (id: number) => `approval:${id}`;

export function requestMessage(request: ApprovalRequestRecord, outcome?: string): ChatMessage {
  const what = commandLine(request.command);
  const given = request.approvals.map((approval) => approval.name).join(', ');
  const pending = request.state === 'pending';
  const state = pending
    ? `waiting for ${request.needed - request.approvals.length} more approval(s)`
    : `${request.state}${request.reason ? ` — ${request.reason}` : ''}`;
  return {
    summary: `Request #${request.id}: ${what} in ${request.environment} by ${request.requester.name} — ${pending ? 'needs approval' : request.state}`,
    title: [{ bold: `Request #${request.id}: ` }, { code: what }, ` in ${request.environment}`],
    fields: [
      { label: 'Requested by', value: [request.requester.name] },
      {
        label: 'Approvals',
        value: [`${request.approvals.length}/${request.needed}${given ? ` (${given})` : ''}`],
      },
      { label: 'State', value: [state] },
      ...(pending
        ? [
            {
              label: 'Expires',
              value: [`${request.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`],
            },
          ]
        : []),
    ],
    ...(outcome ? { lines: [[outcome]] } : {}),
    buttons: pending
      ? [
          { action: 'approve', label: 'Approve', value: String(request.id), style: 'primary' },
          { action: 'reject', label: 'Reject', value: String(request.id), style: 'danger' },
        ]
      : [],
    context: [
      pending
        ? `another operator of ${request.environment} approves with the button or \`approve ${request.id}\`; the requester cannot`
        : `requested ${request.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    ],
    tone: pending ? 'warning' : request.state === 'approved' ? 'good' : 'danger',
  };
}

/** A one-line notice in the environment's channel. */
export function notice(summary: string, tone: ChatMessage['tone'] = 'warning'): ChatMessage {
  return { summary, tone };
}

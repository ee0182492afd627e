// The failure post: a top-level message per failure (nodes failing the same way share it),
// edited as nodes join, as the culprit is found, and when someone acknowledges it.

import type { Config } from '../../config/schema.js';
import { naturalSort } from '../../engine/natural.js';
import type { FailureRecord, UpgradeSnapshot } from '../../engine/ports.js';
import { COMMON, clip, clipList, names } from '../limits.js';
import type { ChatMessage, Span } from '../model.js';
import { personFor } from '../people.js';

export function culpritSpans(failure: FailureRecord, config: Config): Span[] {
  const culprit = failure.culprit;
  // No commit is blamed (and nobody mentioned) for what no commit did.
  if (failure.kind === 'infrastructure')
    return ['infrastructure: the node could not be reached; no commit is blamed'];
  if (failure.kind === 'skew') return ['version skew: the node runs a release it cannot be upgraded from'];
  if (!culprit) return ['finding the offending commit…'];
  if (culprit.sha) {
    const author = personFor(config.people, culprit.authorEmail, culprit.authorName);
    const how =
      culprit.how === 'bisected'
        ? `bisected in ${culprit.probes} probe(s)`
        : 'the one commit this step deployed';
    return [
      { code: culprit.shortSha ?? culprit.sha.slice(0, 7) },
      ` ${clip(culprit.subject ?? '', COMMON.subject)} — by `,
      { mention: author },
      ...(author.slack || author.discord ? [] : [` <${culprit.authorEmail}>`]),
      ` (${how})`,
    ];
  }
  if (culprit.how === 'suspects') {
    const list = culprit.suspects
      .slice(0, 5)
      .flatMap((s, i): Span[] => [
        ...(i > 0 ? ['; '] : []),
        { code: s.sha.slice(0, 7) },
        ` ${clip(s.subject, COMMON.subject)} (`,
        { mention: personFor(config.people, s.authorEmail, s.authorName) },
        ')',
      ]);
    return [`suspects: `, ...list, ` — ${clipList(culprit.note, COMMON.reason)}`];
  }
  return [`unknown — ${clipList(culprit.note, COMMON.reason)}`];
}

export function failureMessage(
  failure: FailureRecord,
  snapshot: UpgradeSnapshot,
  config: Config,
): ChatMessage {
  // Names the first nodes and counts the rest: a field holds about 1,000 characters.
  const nodes = names(naturalSort(failure.nodes), COMMON.field - 24);
  const acked = failure.ackedBy
    ? [
        `acknowledged by ${failure.ackedBy} at ${failure.ackedAt?.toISOString().slice(11, 16)} UTC${failure.ackNote ? `: ${clip(failure.ackNote, COMMON.note)}` : ''}`,
      ]
    : [];
  const state =
    failure.state === 'resolved'
      ? 'resolved'
      : failure.state === 'acked'
        ? 'acknowledged'
        : 'open — acknowledge in this thread (`ack`) or with the button';
  // Retry and Skip act on every node of the failure.
  const everyNode = `${snapshot.upgrade.id}:failure:${failure.id}`;
  const whichNodes = failure.nodes.length === 1 ? 'node' : `${failure.nodes.length} nodes`;
  return {
    summary: `Failure #${failure.id}: ${failure.service} ${failure.phase} failed on ${names(naturalSort(failure.nodes), COMMON.summary)} (upgrade #${snapshot.upgrade.id}, ${snapshot.upgrade.environment} → ${snapshot.upgrade.release})`,
    title: [
      {
        bold: `Failure #${failure.id}: ${failure.service} ${failure.phase} failed on ${failure.nodes.length} node(s)`,
      },
      ` — upgrade #${snapshot.upgrade.id} ${snapshot.upgrade.environment} → ${snapshot.upgrade.release}`,
    ],
    fields: [
      { label: 'Nodes', value: [nodes] },
      { label: 'Phase', value: [`${failure.phase}, exit ${failure.exitCode ?? '—'}`] },
      { label: 'Offending commit', value: culpritSpans(failure, config) },
      { label: 'State', value: [state] },
    ],
    code: failure.outputTail.split('\n').slice(-15).join('\n'),
    buttons:
      failure.state === 'resolved'
        ? []
        : [
            ...(failure.state === 'open'
              ? [
                  {
                    action: 'ack' as const,
                    label: 'Acknowledge',
                    value: `failure:${failure.id}`,
                    style: 'primary' as const,
                  },
                ]
              : []),
            { action: 'retry', label: `Retry ${whichNodes}`, value: everyNode },
            { action: 'skip', label: `Skip ${whichNodes}`, value: everyNode },
            {
              action: 'rollback',
              label: 'Roll back wave',
              value: `${snapshot.upgrade.id}`,
              style: 'danger',
            },
          ],
    context: acked,
    tone: failure.state === 'resolved' ? 'good' : 'danger',
  };
}

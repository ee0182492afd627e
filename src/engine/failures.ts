// Opening failures: units failing the same way share one failure (one post), by fingerprint.
// An infrastructure failure's fingerprint is its cause alone (the node and its address folded
// away), whatever service or phase it met: same cause → one post.
import { createHash } from 'node:crypto';
import type { DecideContext } from './context.js';
import type { Draft } from './draft.js';
import { fingerprint, normalizeOutput } from './fingerprint.js';
import type { UnitRecord } from './ports.js';
import type { FailureKind, Phase } from './types.js';

export interface FailureInput {
  kind: FailureKind;
  phase: Phase;
  exitCode: number | null;
  /** What happened, in a sentence (first line of the output tail). */
  text: string;
  /** The phase's output, if any. */
  output?: string;
}

export function failureFingerprint(
  unit: Pick<UnitRecord, 'node' | 'service'>,
  host: string,
  input: FailureInput,
): string {
  if (input.kind === 'infrastructure') {
    const cause = normalizeOutput(input.text, unit.node, host);
    return createHash('sha256').update(`infrastructure\n${cause}`).digest('hex').slice(0, 16);
  }
  return fingerprint({
    service: unit.service,
    phase: input.phase,
    exitCode: input.exitCode,
    output: `${input.kind === 'skew' ? 'skew ' : ''}${input.text}\n${input.output ?? ''}`,
    node: unit.node,
    host,
  });
}

export function openFailure(
  draft: Draft,
  context: DecideContext,
  unit: UnitRecord,
  input: FailureInput,
): void {
  const print = failureFingerprint(unit, context.hosts.get(unit.node) ?? unit.node, input);
  const existing = draft.failures.find((failure) => failure.fingerprint === print);
  if (existing) {
    const nodes = existing.nodes.includes(unit.node) ? existing.nodes : [...existing.nodes, unit.node];
    draft.patchFailure(existing.id, {
      nodes,
      state: existing.state === 'resolved' ? 'open' : existing.state,
    });
    draft.emit({ type: 'failure.updated', data: { failureId: existing.id, node: unit.node } });
    return;
  }
  const fresh = draft.newFailures.find((failure) => failure.fingerprint === print);
  if (fresh) {
    if (!fresh.nodes.includes(unit.node)) fresh.nodes.push(unit.node);
    return;
  }
  draft.addFailure({
    fingerprint: print,
    kind: input.kind,
    service: unit.service,
    phase: input.phase,
    exitCode: input.exitCode,
    nodes: [unit.node],
    outputTail: [input.text, input.output ?? ''].filter(Boolean).join('\n').trim(),
  });
  draft.emit({
    type: 'failure.opened',
    data: {
      fingerprint: print,
      node: unit.node,
      service: unit.service,
      phase: input.phase,
      kind: input.kind,
    },
  });
}

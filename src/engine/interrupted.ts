// Units that did not finish: the connection dropped mid-phase, or the driving process stopped.
// They are re-run (probing `version` first) up to MAX_ATTEMPTS times; then the unit fails with
// a failure that names the phase and the count, so someone sees it and can `retry` it.
import type { DecideContext } from './context.js';
import type { Draft } from './draft.js';
import { openFailure } from './failures.js';
import type { UnitRecord } from './ports.js';

/** How an interruption by a dropped connection is noted in the unit's output. */
export const DROPPED = 'connection dropped during';

export function giveUp(draft: Draft, unit: UnitRecord, context: DecideContext, now: Date): void {
  const rollingBack = unit.state === 'rolling_back';
  const dropped = unit.outputTail.startsWith(DROPPED);
  const where =
    unit.phase === null ? 'in an unknown phase (the driving process stopped)' : `during ${unit.phase}`;
  const text = `interrupted ${unit.attempts} times ${where}; giving up${dropped ? ` (${unit.outputTail.split('\n')[0]})` : ''}`;
  draft.setUnit(unit.id, {
    state: rollingBack ? 'rollback_failed' : 'failed',
    outputTail: text,
    finishedAt: now,
  });
  draft.emit({
    type: 'unit.finished',
    data: { unitId: unit.id, node: unit.node, service: unit.service, state: unit.state, kind: 'upgrade' },
  });
  openFailure(draft, context, unit, {
    kind: dropped ? 'infrastructure' : 'phase',
    phase: rollingBack ? 'rollback' : (unit.phase ?? 'drain'),
    exitCode: null,
    text,
  });
}

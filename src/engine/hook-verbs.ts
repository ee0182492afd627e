// `retry hook` and `skip hook` (PRODUCT.md, "Commands"): act on the failed hook that holds the
// upgrade. Pure, like the other verbs: a Draft in, refused with a reason when nothing failed.
import { RefusedError } from '../errors.js';
import type { Draft } from './draft.js';
import { failedHook } from './hook-steps.js';
import { hookLabel } from './hooks.js';
import type { NewEvent } from './ports.js';

export function hookVerb(
  draft: Draft,
  verb: 'retry' | 'skip',
  who: string,
  now: Date,
  event: NewEvent,
): void {
  const hook = failedHook(draft);
  if (!hook) throw new RefusedError(`upgrade #${draft.id} has no failed hook to ${verb}`);
  const label = hookLabel(hook);
  if (verb === 'retry') {
    draft.setHook(hook.id, { state: 'pending' });
  } else {
    draft.setHook(hook.id, { state: 'skipped', finishedAt: now });
    const failure = draft.failures.find(
      (f) =>
        f.kind === 'hook' &&
        f.state !== 'resolved' &&
        f.nodes.includes(hook.node) &&
        f.service === (hook.service ?? ''),
    );
    if (failure) {
      draft.patchFailure(failure.id, { state: 'resolved' });
      draft.emit({ type: 'failure.resolved', data: { failureId: failure.id } });
    }
  }
  const reason = `${verb === 'retry' ? 'retrying' : 'skipping'} the ${label} (${who})`;
  const data = { ...event.data, hook: hook.name, service: hook.service };
  if (draft.state === 'paused') draft.setUpgrade('running', reason, { type: 'upgrade.resumed', data });
  else if (draft.state === 'failed')
    draft.setUpgrade('rolling_back', reason, { type: 'upgrade.rolling_back', data });
  else draft.emit({ ...event, data: { ...data, note: reason } });
}

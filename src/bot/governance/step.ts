// Governance as the policy step of the command path: expire what is due, then freeze, lock and
// approvals (policy.ts) decide whether the command goes on, stops, or becomes a request. An
// approved `start` releases the upgrade that waited for it; an override is announced once the
// command succeeded.
import { type Outcome, refusal, type Step } from '../chain.js';
import type { GovernanceDeps } from './context.js';
import { announceOverride, checkPolicy } from './policy.js';
import { expireDue } from './verbs.js';

export function governanceStep(deps: GovernanceDeps): Step {
  return async (command, next) => {
    const { actor, request, context, environment, approved } = command;
    await expireDue(deps);
    const verdict = await checkPolicy(deps, actor, request, context, environment, approved);
    if (verdict.kind === 'refuse') return refusal(verdict.text, verdict.record);
    if (verdict.kind === 'requested')
      return {
        text: verdict.text,
        ephemeral: false,
        ok: true,
        upgradeId: verdict.upgradeId ?? undefined,
        snapshot: verdict.snapshot,
        requestId: verdict.request.id,
        record: `requested: request #${verdict.request.id} needs ${verdict.request.needed} approval(s)`,
      };
    let outcome: Outcome;
    if (approved?.upgradeId && request.verb === 'start') {
      // The upgrade was created awaiting approval when it was asked for: it starts now.
      const snapshot = await deps.upgrades.approveStart(
        actor,
        approved.upgradeId,
        `started by ${actor.name}, approved by ${approved.approvers.join(', ')}`,
      );
      outcome = {
        text: `upgrade #${snapshot.upgrade.id} started: ${snapshot.upgrade.environment} → ${snapshot.upgrade.release}`,
        ephemeral: false,
        ok: true,
        snapshot,
      };
    } else outcome = await next();
    if (outcome.ok && verdict.freeze && environment)
      await announceOverride(deps, actor, request, environment, verdict.freeze);
    return outcome;
  };
}

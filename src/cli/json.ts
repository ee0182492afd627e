// The stable JSON shapes of `plan --json` and `status --json` (docs/json.md). Scripts and
// pipelines depend on these keys: add fields, rename none.
import type { UpgradeSnapshot } from '../engine/ports.js';
import type { Plan } from '../engine/types.js';

export function planJson(plan: Plan) {
  return {
    environment: plan.environment,
    release: plan.release,
    from: plan.from ?? null,
    commit: plan.commit ?? null,
    fromCommit: plan.fromCommit ?? null,
    pinned: plan.pinned,
    strategy: plan.strategy,
    order: plan.order,
    waves: plan.waves.map((wave) => ({
      index: wave.index + 1,
      service: wave.service,
      nodes: wave.units.map((u) => u.node),
      units: wave.units,
      why: wave.why,
    })),
    skipped: plan.skipped,
    skew: plan.skew,
    hooks: (plan.hooks ?? []).map((hook) => ({
      name: hook.name,
      service: hook.service,
      node: hook.node,
      beforeWave: hook.wave === null ? null : hook.wave + 1,
    })),
  };
}

export function statusJson(snapshot: UpgradeSnapshot) {
  const { upgrade } = snapshot;
  const count = (state: string) => snapshot.units.filter((unit) => unit.state === state).length;
  const wave = snapshot.waves[upgrade.currentWave];
  return {
    id: upgrade.id,
    environment: upgrade.environment,
    release: upgrade.release,
    from: upgrade.plan.from ?? null,
    state: upgrade.state,
    reason: upgrade.reason,
    waitingForStep: upgrade.state === 'running' && wave?.state === 'gated',
    strategy: upgrade.plan.strategy.kind,
    currentWave: Math.min(upgrade.currentWave + 1, snapshot.waves.length),
    startedBy: upgrade.startedBy,
    createdAt: upgrade.createdAt.toISOString(),
    updatedAt: upgrade.updatedAt.toISOString(),
    counts: {
      total: snapshot.units.length,
      done: count('done') + count('at_target'),
      failed: count('failed') + count('rollback_failed'),
      pending: count('pending'),
      running: count('running') + count('rolling_back'),
      skipped: count('skipped'),
      rolledBack: count('rolled_back'),
    },
    waves: snapshot.waves.map((w) => ({
      index: w.index + 1,
      service: w.service,
      state: w.state,
      reason: w.reason,
      startedAt: w.startedAt?.toISOString() ?? null,
      finishedAt: w.finishedAt?.toISOString() ?? null,
    })),
    units: snapshot.units.map((unit) => ({
      wave: unit.wave + 1,
      service: unit.service,
      node: unit.node,
      state: unit.state,
      phase: unit.phase,
      exitCode: unit.exitCode,
      versionBefore: unit.versionBefore,
      versionAfter: unit.versionAfter,
      attempts: unit.attempts,
    })),
    hooks: snapshot.hooks.map((hook) => ({
      name: hook.name,
      service: hook.service,
      node: hook.node,
      state: hook.state,
      exitCode: hook.exitCode,
      outputTail: hook.outputTail,
      attempts: hook.attempts,
      startedAt: hook.startedAt?.toISOString() ?? null,
      finishedAt: hook.finishedAt?.toISOString() ?? null,
    })),
    failures: snapshot.failures.map((failure) => ({
      id: failure.id,
      kind: failure.kind,
      service: failure.service,
      phase: failure.phase,
      exitCode: failure.exitCode,
      nodes: failure.nodes,
      state: failure.state,
      fingerprint: failure.fingerprint,
      outputTail: failure.outputTail,
      ackedBy: failure.ackedBy,
      ackedAt: failure.ackedAt?.toISOString() ?? null,
      ackNote: failure.ackNote,
      culprit: failure.culprit
        ? {
            sha: failure.culprit.sha,
            shortSha: failure.culprit.shortSha,
            subject: failure.culprit.subject,
            authorName: failure.culprit.authorName,
            authorEmail: failure.culprit.authorEmail,
            how: failure.culprit.how,
            probes: failure.culprit.probes,
            suspects: failure.culprit.suspects,
            note: failure.culprit.note,
          }
        : null,
    })),
  };
}

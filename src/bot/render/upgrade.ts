// The upgrade message: one per upgrade, edited in place as it progresses.
import type { UpgradeSnapshot } from '../../engine/ports.js';
import { COMMON, clip, clipList } from '../limits.js';
import type { ChatMessage } from '../model.js';

export function counts(snapshot: UpgradeSnapshot) {
  const n = (...states: string[]) => snapshot.units.filter((unit) => states.includes(unit.state)).length;
  return {
    done: n('done', 'at_target', 'rolled_back'),
    failed: n('failed', 'rollback_failed'),
    pending: n('pending', 'running', 'rolling_back'),
    total: snapshot.units.length,
  };
}

const TONE: Record<string, ChatMessage['tone']> = {
  completed: 'good',
  rolled_back: 'warning',
  paused: 'warning',
  failed: 'danger',
  aborted: 'danger',
  rolling_back: 'warning',
};

export function upgradeMessage(snapshot: UpgradeSnapshot): ChatMessage {
  const { upgrade, waves } = snapshot;
  const plan = upgrade.plan;
  const c = counts(snapshot);
  const wave = waves[Math.min(upgrade.currentWave, waves.length - 1)];
  const waveText =
    waves.length === 0
      ? 'none (every node at the target)'
      : `${Math.min(upgrade.currentWave + 1, waves.length)} of ${waves.length}${wave ? ` (${wave.service}, ${wave.state})` : ''}`;
  return {
    summary: `Upgrade #${upgrade.id} ${upgrade.environment} → ${upgrade.release}: ${upgrade.state}`,
    title: [
      { bold: `Upgrade #${upgrade.id}: ${upgrade.environment} → ${upgrade.release}` },
      ` (${plan.from ?? '?'} → ${upgrade.release}${plan.commit ? ` @ ${plan.commit.slice(0, 7)}` : ''})`,
    ],
    fields: [
      {
        label: 'State',
        value: [
          upgrade.state.replace('_', ' '),
          ...(upgrade.reason ? [` — ${clipList(upgrade.reason, COMMON.reason)}`] : []),
        ],
      },
      {
        label: 'Strategy',
        value: [
          `${plan.strategy.kind}${plan.strategy.auto ? `, auto after ${plan.strategy.soakMs / 1000}s soak` : ', step between waves'}`,
        ],
      },
      { label: 'Wave', value: [waveText] },
      ...(snapshot.hooks.length > 0 ? [{ label: 'Hooks', value: [hooksText(snapshot)] }] : []),
    ],
    progress: c,
    context: [`started by ${clip(upgrade.startedBy, COMMON.line)}`],
    tone: TONE[upgrade.state] ?? 'info',
  };
}

/** `precheck: 6 done · pre nova-compute: done · post nova-compute: pending`. */
export function hooksText(snapshot: UpgradeSnapshot): string {
  const prechecks = snapshot.hooks.filter((hook) => hook.name === 'precheck');
  const byState = new Map<string, number>();
  for (const hook of prechecks) byState.set(hook.state, (byState.get(hook.state) ?? 0) + 1);
  const parts =
    prechecks.length > 0 ? [`precheck: ${[...byState].map(([state, n]) => `${n} ${state}`).join(', ')}`] : [];
  const rollingBack = ['rolling_back', 'rolled_back'].includes(snapshot.upgrade.state);
  for (const hook of snapshot.hooks) {
    if (hook.name === 'precheck' || (hook.name === 'rollback' && !rollingBack && hook.state === 'pending'))
      continue;
    parts.push(
      `${hook.name} ${hook.service}: ${hook.state}${hook.exitCode ? ` (exit ${hook.exitCode})` : ''}`,
    );
  }
  return parts.join(' · ');
}

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
    ],
    progress: c,
    context: [`started by ${clip(upgrade.startedBy, COMMON.line)}`],
    tone: TONE[upgrade.state] ?? 'info',
  };
}

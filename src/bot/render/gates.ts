// The buttons an upgrade message offers in its state (PRODUCT.md, "Approvals, locks and
// freezes"): Step when a wave waits at its gate, Pause while running, Resume after an
// operator's pause, Roll back wave and Abort while it can still change — the last two ask for
// confirmation first. Each press goes through the dispatcher like the typed verb.
import type { UpgradeSnapshot } from '../../engine/ports.js';
import type { Button } from '../model.js';

export function rollbackWaveButton(upgradeId: number): Button {
  return {
    action: 'rollback',
    label: 'Roll back wave',
    value: String(upgradeId),
    style: 'danger',
    confirm: {
      title: 'Roll back the wave?',
      text: `Upgrade #${upgradeId}: the nodes of the current wave go back to the release they ran.`,
      confirm: 'Roll back',
    },
  };
}

export function abortButton(upgradeId: number): Button {
  return {
    action: 'abort',
    label: 'Abort',
    value: String(upgradeId),
    style: 'danger',
    confirm: {
      title: 'Abort the upgrade?',
      text: `Upgrade #${upgradeId} stops for good; nodes stay as they are.`,
      confirm: 'Abort',
    },
  };
}

export function gateButtons(snapshot: UpgradeSnapshot): Button[] {
  const { upgrade, waves } = snapshot;
  const id = String(upgrade.id);
  const wave = waves[upgrade.currentWave];
  switch (upgrade.state) {
    case 'running': {
      const atGate = wave?.state === 'gated' || wave?.state === 'soaking';
      return [
        ...(atGate ? [{ action: 'step' as const, label: 'Step', value: id, style: 'primary' as const }] : []),
        { action: 'pause', label: 'Pause', value: id },
        rollbackWaveButton(upgrade.id),
        abortButton(upgrade.id),
      ];
    }
    case 'paused':
      return [
        ...(upgrade.pausedBy === 'operator'
          ? [{ action: 'resume' as const, label: 'Resume', value: id, style: 'primary' as const }]
          : []),
        rollbackWaveButton(upgrade.id),
        abortButton(upgrade.id),
      ];
    case 'planned':
      return [abortButton(upgrade.id)];
    default:
      return [];
  }
}

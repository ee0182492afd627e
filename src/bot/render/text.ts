// Plain-text views shared by chat replies and the CLI: the plan table and an upgrade's
// one-screen status.
import { naturalSort } from '../../engine/natural.js';
import type { UpgradeSnapshot } from '../../engine/ports.js';
import type { Plan, PlannedHook } from '../../engine/types.js';
import { COMMON, clipList, names, nodeRanges } from '../limits.js';

export function progressBar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function describeSnapshot(snapshot: UpgradeSnapshot): string {
  const { upgrade, units, failures } = snapshot;
  const done = units.filter((u) => u.state === 'done' || u.state === 'at_target').length;
  const failed = units.filter((u) => u.state === 'failed' || u.state === 'rollback_failed').length;
  const pending = units.filter((u) => u.state === 'pending').length;
  const wave = Math.min(upgrade.currentWave + 1, snapshot.waves.length);
  const lines = [
    `upgrade #${upgrade.id} ${upgrade.environment} → ${upgrade.release} (${upgrade.plan.strategy.kind}): ${upgrade.state}${upgrade.reason ? ` — ${clipList(upgrade.reason, 1_000)}` : ''}`,
    `  ${progressBar(done, units.length)} ${done}/${units.length} done, ${failed} failed, ${pending} pending; wave ${wave} of ${snapshot.waves.length}`,
  ];
  for (const failure of failures) {
    const culprit = failure.culprit;
    const who = culprit?.sha
      ? ` — ${culprit.shortSha} "${culprit.subject}" by ${culprit.authorName} <${culprit.authorEmail}> (${culprit.how})`
      : culprit
        ? ` — culprit ${culprit.how}: ${culprit.note}`
        : ' — finding the culprit…';
    lines.push(
      `  failure #${failure.id} [${failure.state}] ${failure.service} ${failure.phase} exit ${failure.exitCode ?? '-'} on ${names(naturalSort(failure.nodes), 1_000)}${who}`,
    );
  }
  return lines.join('\n');
}

/** A wave's nodes as natural-sorted ranges and a count (per service when the wave runs several). */
export function waveNodes(wave: Plan['waves'][number], max: number = COMMON.line): string {
  const services = [...new Set(wave.units.map((u) => u.service))];
  if (services.length <= 1) return nodeRanges(naturalSort(wave.units.map((u) => u.node)), max);
  return services
    .map((service) => {
      const nodes = naturalSort(wave.units.filter((u) => u.service === service).map((u) => u.node));
      return `${service}@${nodeRanges(nodes, Math.floor(max / services.length))}`;
    })
    .join('; ');
}

function someNodes(nodes: string[], shown = 10): string {
  const more = nodes.length - shown;
  return more > 0 ? `${nodes.slice(0, shown).join(' ')} … and ${more} more` : nodes.join(' ');
}

export function planTable(plan: Plan): string {
  const hooks = plan.hooks ?? [];
  const hookRow = (hook: PlannedHook): string[] => [
    'hook',
    hook.service ?? '*',
    hook.node,
    `${hook.name}${hook.service ? ` of ${hook.service}` : ''}`,
  ];
  const prechecks = hooks.filter((hook) => hook.name === 'precheck');
  const rows = [
    ...(prechecks.length > 0
      ? [
          [
            'hook',
            '*',
            someNodes(prechecks.map((hook) => hook.node)),
            'precheck on every node, before wave 1',
          ],
        ]
      : []),
    ...plan.waves.flatMap((wave) => [
      ...hooks.filter((hook) => hook.name === 'pre' && hook.wave === wave.index).map(hookRow),
      [String(wave.index + 1), wave.service, waveNodes(wave), wave.why],
    ]),
    ...hooks
      .filter((hook) => hook.name === 'post')
      .map((hook) => [...hookRow(hook).slice(0, 3), `post of ${hook.service}, once every unit is done`]),
  ];
  const onRollback = hooks.filter((hook) => hook.name === 'rollback');
  const header = ['wave', 'service', 'nodes', 'why'];
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const skew = plan.skew.map(
    (s) =>
      `  ${s.service}: ${Object.entries(s.before)
        .map(([v, n]) => `${n}×${v}`)
        .join(', ')} → ${Object.entries(s.after)
        .map(([v, n]) => `${n}×${v}`)
        .join(', ')}`,
  );
  return [
    `plan: ${plan.environment} ${plan.from ?? '?'} → ${plan.release}${plan.commit ? ` (${plan.commit.slice(0, 7)})` : ''}, ${plan.strategy.kind}, concurrency ${plan.strategy.concurrency}, maxFailures ${plan.strategy.maxFailures}${plan.strategy.auto ? `, auto after ${plan.strategy.soakMs / 1000}s soak` : ', step between waves'}`,
    `order: ${plan.order.join(' → ')}`,
    ...(plan.notes ?? []),
    '',
    line(header),
    ...rows.map(line),
    ...(plan.skipped.length > 0
      ? [
          '',
          `skipped (already at ${plan.release}): ${plan.skipped.map((s) => `${s.service}@${s.node}`).join(' ')}`,
        ]
      : []),
    '',
    ...(onRollback.length > 0
      ? [
          '',
          `on rollback all: ${onRollback.map((hook) => `rollback hook of ${hook.service} on ${hook.node}`).join(', then ')}`,
        ]
      : []),
    '',
    'version skew (before → after):',
    ...skew,
  ].join('\n');
}

// One line per engine event worth a thread reply: wave events under the upgrade message,
// bisection progress and acks under the failure post.
import type { EngineEvent, UpgradeSnapshot } from '../../engine/ports.js';
import { COMMON, clip, clipList } from '../limits.js';
import type { ChatMessage } from '../model.js';

export function threadLine(event: EngineEvent, snapshot: UpgradeSnapshot): ChatMessage | undefined {
  const d = event.data as Record<string, string | number | boolean | null | undefined>;
  const wave = (index: unknown) => `wave ${Number(index) + 1} of ${snapshot.waves.length}`;
  const line = (() => {
    switch (event.type) {
      case 'upgrade.started':
        return `started: ${snapshot.waves.length} wave(s), ${snapshot.units.length} unit(s)`;
      case 'wave.started':
        return `${wave(d.wave)} started (${d.service})`;
      case 'wave.finished':
        return `${wave(d.wave)} finished (${d.service})${d.failed ? `, ${d.failed} failed` : ''}`;
      case 'upgrade.gated':
      case 'upgrade.paused':
      case 'upgrade.resumed':
      case 'upgrade.completed':
      case 'upgrade.rolling_back':
      case 'upgrade.rolled_back':
      case 'upgrade.aborted':
      case 'upgrade.failed':
      case 'upgrade.superseded':
        return `${event.type.slice(8).replace('_', ' ')}: ${clipList(String(d.reason ?? snapshot.upgrade.reason), COMMON.reason)}`;
      case 'bisect.progress':
        return `${clip(String(d.text), COMMON.line)}${d.node ? ` on ${d.node}` : ''}`;
      case 'hook.started':
        return `${d.hook} hook${d.service ? ` of ${d.service}` : ''} running on ${d.node}`;
      case 'hook.finished':
        return `${d.hook} hook${d.service ? ` of ${d.service}` : ''} on ${d.node}: ${d.outcome}${d.output ? ` — ${clip(String(d.output), COMMON.line)}` : ''}`;
      case 'health.retry':
        return `${d.node} ${d.service}: health ${d.attempt}/${d.of} ${d.passed ? 'passed' : `failed (${d.outcome})${Number(d.attempt) < Number(d.of) ? `; again in ${Number(d.intervalMs) / 1000}s` : ''}`}`;
      case 'failure.acked':
        return `acknowledged by ${d.name}${d.note ? `: ${clip(String(d.note), COMMON.note)}` : ''}`;
      case 'command':
        return d.note ? clip(String(d.note), COMMON.line) : undefined;
      default:
        return undefined;
    }
  })();
  return line ? { summary: line } : undefined;
}

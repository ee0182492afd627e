// The digest's content, pure: DigestData (read by data.ts) → the chat messages to post, split
// to fit a platform's limit. Sections: active upgrades, open failures, the version map, since
// the last digest, unmapped commit authors; a one-liner (or nothing) when all is quiet.

import type { Config } from '../../config/schema.js';
import { naturalSort } from '../../engine/natural.js';
import type { FailureRecord, UpgradeRecord, UpgradeSnapshot } from '../../engine/ports.js';
import type { ChatMessage, PersonRef, Span } from '../model.js';
import { isMapped, personFor } from '../people.js';
import { culpritSpans } from '../render/failure.js';
import { progressBar } from '../render/text.js';
import { counts } from '../render/upgrade.js';
import type { DigestData } from './data.js';
import { type Limits, splitMessage } from './split.js';

export interface DigestOptions extends Limits {
  timezone: string;
  /** `line`: a one-liner when nothing happened; `silent`: no message at all then. */
  quiet: 'line' | 'silent';
}

const HOUR = 3_600_000;

/** "40 minutes", "5 hours", "3 days". */
export function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(ms / HOUR);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.floor(hours / 24)} days`;
}

export function localTime(date: Date, timezone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
  return `${text.replace(',', '')} ${timezone}`;
}

/** Whether anything is worth more than the quiet one-liner. */
export function isQuiet(data: DigestData): boolean {
  return (
    data.active.length === 0 &&
    data.failures.length === 0 &&
    data.completed.length === 0 &&
    data.rolledBack.length === 0 &&
    data.resolved.length === 0
  );
}

function nextStep(snapshot: UpgradeSnapshot): string {
  const { upgrade, waves } = snapshot;
  if (waves.some((w) => w.state === 'gated')) return 'waiting for `/upgrade step`';
  if (upgrade.state === 'paused') return 'paused: `/upgrade resume`, `retry <node>` or `rollback` to go on';
  if (waves.some((w) => w.state === 'soaking')) return 'soaking; the next wave starts by itself';
  if (upgrade.state === 'planned') return 'planned, not started yet';
  if (upgrade.state === 'rolling_back') return 'rolling back';
  const wave = waves[upgrade.currentWave];
  return wave ? `running wave ${wave.index + 1} (${wave.service})` : 'running';
}

function activeLines(snapshot: UpgradeSnapshot): Span[][] {
  const { upgrade, waves } = snapshot;
  const c = counts(snapshot);
  const wavesDone = waves.filter((w) => w.state === 'done').length;
  return [
    [
      { bold: `#${upgrade.id} ${upgrade.plan.from ?? '?'} → ${upgrade.release}` },
      ` (${upgrade.plan.strategy.kind}) `,
      { code: `${progressBar(c.done, c.total)}` },
      ` waves ${wavesDone}/${waves.length} done · nodes ${c.done} done, ${c.failed} failed, ${c.pending} pending`,
    ],
    [
      `  state: ${upgrade.state.replace('_', ' ')}${upgrade.reason ? ` — ${upgrade.reason}` : ''}; next: ${nextStep(snapshot)}`,
    ],
  ];
}

/** Who acknowledged: a mention when `people:` knows them (by chat id, name or e-mail), else as recorded. */
function ackedBySpans(failure: FailureRecord, config: Config): Span[] {
  const by = failure.ackedBy ?? '';
  const id = by.replace(/^(slack|discord):/, '').toLowerCase();
  const person = config.people.find(
    (p) =>
      p.slack?.toLowerCase() === id ||
      p.discord === id ||
      p.name?.toLowerCase() === id ||
      p.email.toLowerCase() === id,
  );
  const who: Span = person
    ? { mention: { name: person.name ?? person.email, email: person.email, ...pick(person) } }
    : by;
  return ['acked by ', who, failure.ackNote ? ` (“${failure.ackNote}”)` : ''];
}

function pick(person: Config['people'][number]): Pick<PersonRef, 'slack' | 'discord'> {
  return {
    ...(person.slack ? { slack: person.slack } : {}),
    ...(person.discord ? { discord: person.discord } : {}),
  };
}

function failureLines(
  entry: { failure: FailureRecord; upgrade: UpgradeRecord | undefined },
  now: Date,
  config: Config,
): Span[][] {
  const { failure, upgrade } = entry;
  const old = now.getTime() - failure.createdAt.getTime();
  const owner: Span[] =
    failure.state === 'acked' ? ackedBySpans(failure, config) : [{ bold: `unacknowledged for ${age(old)}` }];
  return [
    [
      { bold: `#${failure.id}` },
      ` ${failure.service} ${failure.phase} (exit ${failure.exitCode ?? '—'}) on ${naturalSort(failure.nodes).join(', ')}`,
      ` · ${age(old)} old${upgrade ? ` · upgrade #${upgrade.id} → ${upgrade.release}` : ''} · `,
      ...owner,
    ],
    ['  commit: ', ...culpritSpans(failure, config)],
  ];
}

/** Per service: how many nodes run which release, in release order; mixed services marked. */
export function versionLines(versions: Map<string, Map<string, string>>, config: Config): Span[][] {
  const perService = new Map<string, Map<string, number>>();
  for (const services of versions.values())
    for (const [service, version] of services) {
      const tally = perService.get(service) ?? new Map<string, number>();
      tally.set(version, (tally.get(version) ?? 0) + 1);
      perService.set(service, tally);
    }
  const order = config.releases.order;
  const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
  const known = Object.keys(config.services);
  const services = [...perService.keys()].sort(
    (a, b) => (known.indexOf(a) + 1 || 1e6) - (known.indexOf(b) + 1 || 1e6) || a.localeCompare(b),
  );
  return services.map((service) => {
    const tally = [...perService.get(service)!].sort(
      (a, b) => rank(b[0]) - rank(a[0]) || a[0].localeCompare(b[0]),
    );
    const text = tally.map(
      ([version, n]) => `${n}× ${version.length === 40 ? version.slice(0, 7) : version}`,
    );
    return [{ bold: service }, `: ${text.join(', ')}${tally.length > 1 ? ' (mixed)' : ''}`];
  });
}

/** Commit authors of unresolved failures that `people:` does not map to a chat user. */
export function unmappedAuthors(data: DigestData, config: Config): PersonRef[] {
  const found = new Map<string, PersonRef>();
  for (const { failure } of [...data.failures, ...data.resolved]) {
    const culprit = failure.culprit;
    if (!culprit) continue;
    const authors = [
      ...(culprit.authorEmail ? [{ email: culprit.authorEmail, name: culprit.authorName }] : []),
      ...culprit.suspects.map((s) => ({ email: s.authorEmail, name: s.authorName })),
    ];
    for (const author of authors) {
      const person = personFor(config.people, author.email, author.name);
      if (!isMapped(person) && author.email) found.set(author.email.toLowerCase(), person);
    }
  }
  return [...found.values()];
}

function sinceLines(data: DigestData): Span[][] {
  const lines: Span[][] = [];
  for (const u of data.completed) lines.push([`completed: #${u.id} → ${u.release}`]);
  for (const u of data.rolledBack)
    lines.push([`rolled back: #${u.id} → ${u.release}${u.reason ? ` — ${u.reason}` : ''}`]);
  for (const { failure } of data.resolved)
    lines.push([
      `failure resolved: #${failure.id} ${failure.service} ${failure.phase} on ${naturalSort(failure.nodes).join(', ')}`,
    ]);
  return lines.length > 0 ? lines : [['nothing completed, rolled back or resolved']];
}

/** The whole digest as one message, before splitting to a platform's limit. */
export function digestMessage(
  data: DigestData,
  config: Config,
  options: Pick<DigestOptions, 'timezone' | 'quiet'>,
): ChatMessage | undefined {
  const when = localTime(data.at, options.timezone);
  const context: Span[] = [
    `since ${localTime(data.since, options.timezone)}`,
    ...(data.next ? [` · next digest ${localTime(data.next, options.timezone)}`] : []),
  ];
  if (isQuiet(data)) {
    if (options.quiet === 'silent') return undefined;
    const summary = `Digest ${data.environment}, ${when}: quiet — no active upgrades, no open failures, nothing changed since the last digest.`;
    return { summary, title: [summary], context, tone: 'info' };
  }
  const section = (title: string, body: Span[][]): Span[][] => [[{ bold: title }], ...body];
  const unmapped = unmappedAuthors(data, config);
  const versions = versionLines(data.versions, config);
  const lines: Span[][] = [
    ...section(
      `Active upgrades (${data.active.length})`,
      data.active.length > 0 ? data.active.flatMap(activeLines) : [['none']],
    ),
    ...section(
      `Open failures (${data.failures.length})`,
      data.failures.length > 0 ? data.failures.flatMap((f) => failureLines(f, data.now, config)) : [['none']],
    ),
    ...section('Version map', versions.length > 0 ? versions : [['no versions observed yet']]),
    ...section('Since the last digest', sinceLines(data)),
    ...(unmapped.length > 0
      ? section(
          'Unmapped commit authors (add them to `people:`)',
          unmapped.map((p) => [`${p.name} <${p.email}>`]),
        )
      : []),
  ];
  const open = data.failures.filter((f) => f.failure.state === 'open').length;
  return {
    summary: `Digest ${data.environment}, ${when}: ${data.active.length} active upgrade(s), ${data.failures.length} open failure(s)${open > 0 ? `, ${open} unacknowledged` : ''}`,
    title: [{ bold: `Digest: ${data.environment}` }, ` — ${when}`],
    lines,
    context,
    tone: open > 0 ? 'warning' : 'info',
  };
}

/** The digest as the messages to post on one platform: none when quiet and silent. */
export function digestContent(data: DigestData, config: Config, options: DigestOptions): ChatMessage[] {
  const message = digestMessage(data, config, options);
  return message ? splitMessage(message, options) : [];
}

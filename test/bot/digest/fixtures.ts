// Shared by the digest tests: a config with a digest schedule and channels, a store seeded
// through the real Store methods, and messages as plain text (mentions as `<@id>`).
import type { ChatMessage, Span } from '../../../src/bot/model.js';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { initialHookRuns } from '../../../src/engine/hooks.js';
import { makePlan } from '../../../src/engine/plan.js';
import type { Change, Store, UpgradeSnapshot } from '../../../src/engine/ports.js';
import type { Culprit } from '../../../src/engine/types.js';
import { openstackYaml } from '../../support/config.js';

export function digestConfig(
  options: { cron?: string; timezone?: string; quiet?: 'line' | 'silent'; environment?: string } = {},
): Config {
  const yaml = openstackYaml({
    extra: `people:
  - { email: alice@example.com, name: Alice, slack: U01ALICE, discord: "5566778899" }
  - { email: carol@example.com, name: Carol, slack: U01CAROL }
`,
  }).replace(
    '  lab:\n',
    `  ${options.environment ?? 'lab'}:
    channels: { slack: C0LAB, discord: "4455" }
    digest: { cron: "${options.cron ?? '0 9 * * 1-5'}", timezone: ${options.timezone ?? 'Europe/Berlin'}, quiet: ${options.quiet ?? 'line'} }
`,
  );
  return parseConfig(yaml, 'digest-test.yaml', {});
}

export function text(spans: Span[] | undefined): string {
  return (spans ?? [])
    .map((span) => {
      if (typeof span === 'string') return span;
      if ('mention' in span) return span.mention.slack ? `<@${span.mention.slack}>` : span.mention.name;
      if ('code' in span) return `\`${span.code}\``;
      return `*${span.bold}*`;
    })
    .join('');
}

export function messageText(message: ChatMessage): string {
  return [
    text(message.title ?? [message.summary]),
    ...(message.lines ?? []).map(text),
    text(message.context),
  ].join('\n');
}

export function culprit(sha: string, subject: string, authorName: string, authorEmail: string): Culprit {
  return {
    how: 'bisected',
    sha,
    shortSha: sha.slice(0, 7),
    subject,
    authorName,
    authorEmail,
    probes: 3,
    suspects: [],
    note: 'bisected in 3 probes',
  };
}

export async function startUpgrade(
  store: Store,
  config: Config,
  release = 'havana',
): Promise<UpgradeSnapshot> {
  const plan = makePlan({ config, environment: 'lab', release, options: {}, versions: new Map() });
  return store.createUpgrade(
    {
      environment: 'lab',
      release,
      plan,
      startedBy: 'slack:U0OPS',
      reason: 'started by ops',
      hooks: initialHookRuns(plan),
    },
    { type: 'upgrade.started', data: {} },
  );
}

export async function commit(store: Store, snapshot: UpgradeSnapshot, change: Change): Promise<number[]> {
  const result = await store.commit(snapshot.upgrade.id, null, change);
  if (!result.ok) throw new Error(`commit to upgrade #${snapshot.upgrade.id} refused`);
  return result.failureIds;
}

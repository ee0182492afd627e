// `drover validate`: the config's one-screen summary, or every error with its position.
import type { Config } from '../config/schema.js';
import { own } from '../engine/lookup.js';
import { serviceOrder } from '../engine/plan.js';

export function summarize(config: Config, file: string): string {
  const lines = [`${file}: valid`];
  for (const [name, env] of Object.entries(config.environments)) {
    const roles = new Map<string, number>();
    for (const node of env.nodes) for (const role of node.roles) roles.set(role, (roles.get(role) ?? 0) + 1);
    const channels =
      Object.entries(env.channels)
        .map(([platform, id]) => `${platform} ${id}`)
        .join(', ') || 'no chat channel';
    lines.push(
      `  environment ${name}: ${env.nodes.length} node(s) (${[...roles].map(([role, n]) => `${n} ${role}`).join(', ')}); ${channels}`,
      `    upgrade order: ${serviceOrder(config, env.nodes).join(' → ')}`,
      ...(env.inventory
        ? [`    nodes: ${env.sources.map((source) => `${source.count} from ${source.from}`).join(', ')}`]
        : []),
    );
  }
  const releases = config.releases.order.map((release) => {
    const spec = own(config.releases.named, release)!;
    return spec.from ? `${release} (${spec.ref}, from ${spec.from})` : `${release} (${spec.ref})`;
  });
  lines.push(
    `  releases in ${config.releases.repo}: ${releases.join(', ')}; maxSkew ${config.releases.maxSkew}`,
  );
  lines.push(
    `  people: ${config.people.length}; operators: ${config.operators.slack.length + config.operators.discord.length}; developers: ${config.developers.slack.length + config.developers.discord.length}`,
  );
  return lines.join('\n');
}

// `drover validate --reach`: what the config points at, checked for real — key and
// known_hosts files readable, release refs resolving, every node answering SSH with a
// known host key. Each problem names the config key at fault (its file:line:column is found
// by the caller): the file's key, the release's ref, the node's host, or the jump host that
// failed (the node's own `jump`, else `ssh.jump`).
import { accessSync, constants } from 'node:fs';
import type { PathKey } from '../config/path.js';
import type { Config } from '../config/schema.js';
import { nodeRefs } from '../engine/fleet.js';
import type { Io } from './io.js';

export interface ReachProblem {
  path: PathKey[];
  message: string;
}

/** The key a node's failure to answer points at. */
function nodeKey(config: Config, environment: string, index: number, message: string): PathKey[] {
  const env = config.environments[environment]!;
  // Nodes of `nodes:` come first, then the inventory's (env.sources says how many).
  const listed = env.sources[0]?.from === 'nodes:' ? env.sources[0].count : 0;
  if (index >= listed) return ['environments', environment, 'inventory'];
  const node = env.nodes[index]!;
  const hop = /\bjump host (\d+)\b/.exec(message);
  if (!hop) return ['environments', environment, 'nodes', index, 'host'];
  const at = Number(hop[1]) - 1;
  return node.jump !== undefined && node.jump !== 'none'
    ? ['environments', environment, 'nodes', index, 'jump', at]
    : ['ssh', 'jump', at];
}

export async function checkReach(config: Config, io: Io): Promise<ReachProblem[]> {
  const problems: ReachProblem[] = [];
  const readable = (key: 'knownHosts' | 'privateKey', path: string) => {
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      problems.push({
        path: ['ssh', key],
        message: `${path} is not readable (${(error as NodeJS.ErrnoException).code})`,
      });
    }
  };
  readable('knownHosts', config.ssh.knownHosts);
  if (config.ssh.privateKey) readable('privateKey', config.ssh.privateKey);

  const { createGitRepo } = await import('../adapters/git/repo.js');
  const repo = createGitRepo(config.releases.repo);
  for (const [release, spec] of Object.entries(config.releases.named)) {
    try {
      await repo.resolve(spec.ref);
    } catch (error) {
      problems.push({
        path: ['releases', release, 'ref'],
        message: `${spec.ref} does not resolve in ${config.releases.repo} (${(error as Error).message})`,
      });
    }
  }

  const { createNodeRunner } = await import('../adapters/ssh/transport.js');
  const runner = createNodeRunner({
    ssh: config.ssh,
    passphrase: io.env.DROVER_SSH_PASSPHRASE,
    redact: config.redact,
  });
  try {
    for (const [environment, env] of Object.entries(config.environments)) {
      const nodes = nodeRefs(config, environment);
      const results = await Promise.all(
        env.nodes.map(async (node, index): Promise<ReachProblem | undefined> => {
          try {
            const session = await runner.open(nodes.get(node.name)!);
            await session.close();
            return undefined;
          } catch (error) {
            const message = (error as Error).message;
            return {
              path: nodeKey(config, environment, index, message),
              message: `node ${node.name}: ${message}`,
            };
          }
        }),
      );
      problems.push(...results.filter((problem): problem is ReachProblem => problem !== undefined));
    }
  } finally {
    await runner.close();
  }
  return problems;
}

// `drover validate --reach`: what the config points at, checked for real — key and
// known_hosts files readable, release refs resolving, every node answering SSH with a
// known host key.
import { accessSync, constants } from 'node:fs';
import type { Config } from '../config/schema.js';
import { nodeRefs } from '../engine/fleet.js';
import type { Io } from './io.js';

export async function checkReach(config: Config, io: Io): Promise<string[]> {
  const problems: string[] = [];
  const readable = (what: string, path: string) => {
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      problems.push(`${what} ${path} is not readable (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  readable('ssh.knownHosts', config.ssh.knownHosts);
  if (config.ssh.privateKey) readable('ssh.privateKey', config.ssh.privateKey);

  const { createGitRepo } = await import('../adapters/git/repo.js');
  const repo = createGitRepo(config.releases.repo);
  for (const [release, spec] of Object.entries(config.releases.named)) {
    try {
      await repo.resolve(spec.ref);
    } catch (error) {
      problems.push(
        `releases.${release}.ref: ${spec.ref} does not resolve in ${config.releases.repo} (${(error as Error).message})`,
      );
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
        env.nodes.map(async (node) => {
          try {
            const session = await runner.open(nodes.get(node.name)!);
            await session.close();
            return undefined;
          } catch (error) {
            return `environments.${environment}: node ${node.name}: ${(error as Error).message}`;
          }
        }),
      );
      problems.push(...results.filter((problem): problem is string => problem !== undefined));
    }
  } finally {
    await runner.close();
  }
  return problems;
}

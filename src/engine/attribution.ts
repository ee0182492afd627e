// Attributing a failure to its offending commit on a real node: each probe deploys a commit
// with the `upgrade` template and runs the failing phase; afterwards the node is restored to
// the commit it ran before bisection (restoring is not a probe).
import type { Config } from '../config/schema.js';
import { templateValues } from './commands.js';
import { bisect, culpritOf, undecided } from './culprit.js';
import { makeProbe, reconnecting, restore } from './culprit-probe.js';
import type { Attributor } from './driver.js';
import { nodeRefs } from './fleet.js';
import { own } from './lookup.js';
import type { Commits, FailureRecord, NodeRunner, NodeSession, UpgradeSnapshot } from './ports.js';
import { phaseCommand } from './template.js';
import type { Culprit, Phase } from './types.js';

export interface AttributorDeps {
  config: Config;
  commits: Commits;
  runner: NodeRunner;
}

export function createAttributor(deps: AttributorDeps): Attributor {
  return {
    async attribute(failure, snapshot, progress) {
      const plan = snapshot.upgrade.plan;
      const paths = own(deps.config.services, failure.service)?.paths ?? [];
      if (!plan.commit || !plan.fromCommit)
        return undecided([], paths, 0, 'the release has no resolved commit range');
      const commits = await deps.commits.range(plan.fromCommit, plan.commit);
      if (plan.pinned) {
        const deployed = commits.at(-1) ?? {
          sha: plan.commit,
          parents: [],
          authorName: '',
          authorEmail: '',
          subject: '',
          files: [],
        };
        return culpritOf(deployed, 'commit', 0, 'the step deployed this one commit');
      }
      if (commits.length === 1)
        return culpritOf(commits[0]!, 'commit', 0, 'the step deployed this one commit');
      if (failure.phase === 'rollback' || failure.phase === 'version' || failure.phase === 'drain') {
        return undecided(commits, paths, 0, `a ${failure.phase} failure is not bisected`);
      }
      const node = probeNode(deps.config, snapshot, failure);
      let session: NodeSession;
      try {
        session = reconnecting(() => deps.runner.open(node.ref), await deps.runner.open(node.ref));
      } catch (error) {
        return undecided(commits, paths, 0, `cannot bisect: ${(error as Error).message}`);
      }
      const command = (phase: Phase, sha: string) =>
        phaseCommand(
          deps.config,
          phase,
          templateValues(deps.config, plan, { service: failure.service, node: node.ref.name }, node.ref, sha),
        );
      const upgradeCommand = (sha: string) => command('upgrade', sha)!;
      const { probe, recheck } = makeProbe({
        session,
        upgradeCommand,
        phaseCommand: (sha) => command(failure.phase, sha),
      });
      try {
        const culprit = await bisect({
          commits,
          fromCommit: plan.fromCommit,
          paths,
          probe,
          recheck,
          retries: deps.config.releases.bisectRetries,
          progress: (text, stepsLeft, commitsLeft) =>
            progress({
              type: 'bisect.progress',
              data: { failureId: failure.id, node: node.ref.name, text, stepsLeft, commitsLeft },
            }),
        });
        const restored = await restore(session, upgradeCommand, plan.commit);
        return restored ? { ...culprit, note: `${culprit.note}; ${restored}` } : culprit;
      } finally {
        await session.close();
      }
    },
  };
}

/** The failed node, or the environment's canary when it runs the failing service too. */
function probeNode(config: Config, snapshot: UpgradeSnapshot, failure: FailureRecord) {
  const env = own(config.environments, snapshot.upgrade.environment)!;
  const nodes = nodeRefs(config, snapshot.upgrade.environment);
  const roles = own(config.services, failure.service)?.roles ?? [];
  const canary = env.canary ? nodes.get(env.canary) : undefined;
  const ref = canary?.roles.some((role) => roles.includes(role)) ? canary : nodes.get(failure.nodes[0]!)!;
  return { ref };
}

export type { Culprit };

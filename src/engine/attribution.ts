// Attributing a failure to its offending commit on a real node: each probe deploys a commit
// with the `upgrade` template and runs the failing phase; afterwards the node is restored to
// the commit it ran before bisection (restoring is not a probe).
import type { Config } from '../config/schema.js';
import { templateValues } from './commands.js';
import { bisect, culpritOf, undecided } from './culprit.js';
import { makeProbe, reconnecting, restore } from './culprit-probe.js';
import type { Attributor } from './driver-deps.js';
import { failureFingerprint } from './failures.js';
import { nodeRefs } from './fleet.js';
import { own } from './lookup.js';
import { describeResult } from './observe.js';
import type { Commits, FailureRecord, NodeRunner, NodeSession, UpgradeSnapshot } from './ports.js';
import { serviceCommand } from './service-phases.js';
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
      // The commits this node actually received: from the one it ran to the one deployed.
      const start = ranBefore(snapshot, failure, plan.fromCommit);
      const commits = await deps.commits.range(start, plan.commit);
      if (commits.length === 1)
        return culpritOf(commits[0]!, 'commit', 0, 'the step deployed this one commit');
      if (failure.phase === 'hook')
        return undecided(
          commits,
          paths,
          0,
          'a hook failure is not bisected: the suspects touch the service’s paths',
        );
      if (failure.phase === 'rollback' || failure.phase === 'version' || failure.phase === 'drain') {
        return undecided(commits, paths, 0, `a ${failure.phase} failure is not bisected`);
      }
      const failing = failure.phase;
      const node = probeNode(deps.config, snapshot, failure);
      let session: NodeSession;
      try {
        session = reconnecting(() => deps.runner.open(node.ref), await deps.runner.open(node.ref));
      } catch (error) {
        return undecided(commits, paths, 0, `cannot bisect: ${(error as Error).message}`);
      }
      const command = (phase: Phase, sha: string) =>
        serviceCommand(
          deps.config,
          failure.service,
          phase,
          templateValues(deps.config, plan, { service: failure.service, node: node.ref.name }, node.ref, sha),
        );
      const upgradeCommand = (sha: string) => command('upgrade', sha)!;
      const { probe, recheck } = makeProbe({
        session,
        upgradeCommand,
        phaseCommand: (sha) => command(failing, sha),
        fingerprintOf: (result) => {
          const output = [result.stdoutTail, result.stderrTail].filter(Boolean).join('\n');
          return failureFingerprint({ node: node.ref.name, service: failure.service }, node.ref.host, {
            kind: 'phase',
            phase: failing,
            exitCode: result.exitCode,
            text: describeResult(failing, result),
            output,
          });
        },
      });
      try {
        const culprit = await bisect({
          commits,
          fromCommit: start,
          fingerprint: failure.fingerprint,
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

/**
 * The commit the failed node ran before this step: its `version` output when that was a commit
 * (a deploy reaching a node some commits behind), else the release's `from` commit.
 */
function ranBefore(snapshot: UpgradeSnapshot, failure: FailureRecord, fromCommit: string): string {
  const unit = snapshot.units.find((u) => u.node === failure.nodes[0] && u.service === failure.service);
  const version = unit?.versionBefore?.trim();
  return version && /^[0-9a-f]{40}$/i.test(version) ? version : fromCommit;
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

// Attribution covers the commits the node actually received, and an intermittent culprit is
// still found (PRODUCT.md, "Rules the engine keeps" and "Offending commit"), over real SSH.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/adapters/ssh/runner.js';
import { createAttributor } from '../../src/engine/attribution.js';
import { brokenFileHook, buildRangeRepo } from '../support/git.js';
import { type Lab, OPS, startLab } from '../support/lab.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

async function rangeLab(
  count: number,
  breaking: number,
  retries: number,
): Promise<{ lab: Lab; shas: string[] }> {
  let shas: string[] = [];
  const started = await startLab({
    controllers: 1,
    computes: 1,
    strategy: '{ kind: all-at-once }',
    repo: async (path) => {
      const built = await buildRangeRepo(path, count, breaking, 'nova-compute');
      shas = built.shas;
      return built;
    },
    attributor: ({ config, commits }) =>
      createAttributor({
        config: { ...config, releases: { ...config.releases, bisectRetries: retries } },
        commits,
        runner: createSshRunner({ ssh: config.ssh, redact: [] }),
      }),
  });
  return { lab: started, shas };
}

describe('continuous deployment', () => {
  it('attributes from the commit the node ran, not to the deployed head: C1 → C9 with C4 broken is bisected to C4', async () => {
    const built = await rangeLab(9, 4, 0);
    lab = built.lab;
    const { shas } = built;
    const deploy = async (commit: string) => {
      const started = await lab!.engine.upgrades.start(OPS, 'havana', { environment: 'lab', commit });
      return lab!.engine.drive(started.upgrade.id, 'resting', AbortSignal.timeout(90_000));
    };
    let snapshot = await deploy(shas[0]!);
    expect(snapshot.upgrade.state).toBe('completed');
    const cmp = lab.fleet.dirOf('cmp-01');
    writeFileSync(join(cmp, 'health-hook'), brokenFileHook(lab.repo.path));
    snapshot = await deploy(shas[8]!);
    const failure = snapshot.failures[0]!;
    expect(failure.nodes).toEqual(['cmp-01']);
    expect(failure.culprit).toMatchObject({ how: 'bisected', sha: shas[3] });
  }, 180_000);
});

describe('an intermittent culprit', () => {
  it('fails its check 60% of the time and is still named, within ⌈log2 n⌉ + 1 probes', async () => {
    const built = await rangeLab(64, 23, 3);
    lab = built.lab;
    const { shas } = built;
    // Broken from commit 23 on, but passing two runs in five (fail, fail, pass, fail, pass).
    const hook = `#!/bin/sh
if git -C '${lab.repo.path}' cat-file -e "$2:$1/BROKEN" 2>/dev/null; then
  n=$(cat flaky-count 2>/dev/null || echo 0); echo $((n + 1)) > flaky-count
  case $((n % 5)) in 2|4) exit 0 ;; esac
  echo "$1 broken at $2" >&2; exit 1
fi
exit 0
`;
    writeFileSync(join(lab.fleet.dirOf('cmp-01'), 'health-hook'), hook);
    const started = await lab.engine.upgrades.start(OPS, 'havana', { environment: 'lab' });
    const snapshot = await lab.engine.drive(started.upgrade.id, 'resting', AbortSignal.timeout(150_000));
    const failure = snapshot.failures[0]!;
    expect(failure.culprit).toMatchObject({ how: 'bisected', sha: shas[22] });
    expect(failure.culprit!.probes).toBeLessThanOrEqual(7);
    // 1 upgrade by the rollout, one deploy per probe, 1 restore.
    expect(lab.fleet.upgrades('cmp-01')).toHaveLength(failure.culprit!.probes + 2);
  }, 180_000);
});

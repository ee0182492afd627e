// `drover demo [--interactive] [--keep]` (demo-command.ts): the whole product on this machine — an embedded database, a
// generated deploy repository with one breaking commit, a simulated fleet speaking real SSH,
// and a scripted conversation in the console. No servers, no tokens, no root.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsoleSession, personActor } from '../adapters/console/session.js';
import { demoConfig } from '../demo/config.js';
import { startSimFleet } from '../demo/fleet.js';
import { BREAKING_LINE, createDemoRepo, pushFix } from '../demo/repo.js';
import { runLines } from './console.js';
import { startConsoleApp } from './console-app.js';
import type { Io } from './io.js';
import { openRuntime } from './runtime.js';

const HEALTH_HOOK = (repo: string) => `#!/bin/sh
# nova-compute refuses to start when its driver runs async I/O (libvirt too old on this node)
[ "$1" = nova-compute ] || exit 0
if git -C '${repo}' show "$2:nova/compute/driver.conf" 2>/dev/null | grep -q '${BREAKING_LINE}'; then
  echo "nova-compute: libvirt 1.1.1 does not support async I/O; service failed to start" >&2
  exit 1
fi
`;

export async function runDemo(values: { interactive?: boolean; keep?: boolean }, io: Io): Promise<number> {
  const started = Date.now();
  const root = await mkdtemp(join(tmpdir(), 'drover-demo-'));
  const say = (text: string) => io.out(`\n── ${text}`);
  say(
    `setting up in ${root}: a deploy repository, 6 simulated nodes speaking SSH on 127.0.0.1, an embedded database`,
  );
  const repo = await createDemoRepo(join(root, 'deploy'));
  const names = ['ctl-1', 'ctl-2', 'cmp-1', 'cmp-2', 'cmp-3', 'cmp-4'];
  const fleet = await startSimFleet({ root: join(root, 'fleet'), names, seedVersion: repo.grizzly });
  try {
    for (const node of fleet.nodes) writeFileSync(join(node.dir, 'health-hook'), HEALTH_HOOK(repo.path));
    const configPath = join(root, 'drover.yaml');
    writeFileSync(configPath, demoConfig(repo.path, fleet));
    const runtime = await openRuntime({ ...io.env, DATABASE_URL: '' }, configPath, {
      dataDir: join(root, 'db'),
      pollMs: 100,
    });
    const app = await startConsoleApp(runtime, io.out, false);
    try {
      const ops = personActor(runtime.config, 'olga')!;
      const session = createConsoleSession({
        config: runtime.config,
        dispatcher: app.dispatcher,
        self: ops,
        write: io.out,
        settle: () => app.settle(),
        echo: true,
      });
      if (values.interactive) {
        say(
          `ready. The config is ${configPath}. Try: plan havana · start havana strategy=waves · as alice ack 1 · retry cmp-1 · status · quit`,
        );
        await runLines(session, Boolean(process.stdin.isTTY));
        return 0;
      }
      say('Olga (operator) plans the upgrade from grizzly to havana');
      await session.handleLine('/upgrade plan havana');
      say(
        'and starts it in staged waves: a canary first, then the rest; waves advance by themselves after a soak',
      );
      await session.handleLine('/upgrade start havana strategy=waves');
      say(
        'the nova-compute canary failed; drover bisected the release on that node and named the commit. Bob is not an operator:',
      );
      await session.handleLine('as bob /upgrade rollback wave');
      say('Alice sees her commit mentioned and acknowledges in the thread');
      await session.handleLine('as alice ack 1 "mine: async I/O needs libvirt 1.2; pushing a fix"');
      const fix = await pushFix(repo);
      say(
        `Alice pushes a fix to stable/havana (${fix.slice(0, 7)}); Olga retries the canary, which deploys the fix`,
      );
      await session.handleLine('/upgrade retry cmp-1');
      say('the morning digest, on demand: where every upgrade stands and who owns what');
      await session.handleLine('/upgrade digest');
      const [snapshot] = await runtime.engine.upgrades.status({ environment: 'lab' });
      const failure = snapshot?.failures[0];
      const ok =
        snapshot?.upgrade.state === 'completed' &&
        failure?.culprit?.sha === repo.culprit.sha &&
        failure.state !== 'open';
      say(
        ok
          ? `done in ${((Date.now() - started) / 1000).toFixed(1)}s: completed, the failure attributed to ${repo.culprit.sha.slice(0, 7)} by ${repo.culprit.author.name}`
          : `the demo did not go as scripted (state ${snapshot?.upgrade.state}, culprit ${failure?.culprit?.shortSha ?? 'none'})`,
      );
      return ok ? 0 : 1;
    } finally {
      await app.stop();
      await runtime.close();
    }
  } finally {
    await fleet.close();
    if (!values.keep) await rm(root, { recursive: true, force: true });
  }
}

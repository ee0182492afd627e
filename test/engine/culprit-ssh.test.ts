// Bisection driven over real SSH (ssh2 servers on 127.0.0.1, the node kit's scripts): the
// probes are counted on the node, a connection dropped mid-probe is a skip followed by a
// new connection, and the node ends on the commit it ran before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../../src/adapters/git/repo.js';
import { createSshRunner } from '../../src/adapters/ssh/runner.js';
import { sshSchema } from '../../src/config/schema.js';
import { bisect } from '../../src/engine/culprit.js';
import { makeProbe, reconnecting, restore } from '../../src/engine/culprit-probe.js';
import type { Command } from '../../src/engine/ports.js';
import type { Phase } from '../../src/engine/types.js';
import { renderTemplate } from '../../src/shell/template.js';
import { type InProcessFleet, startInProcessFleet } from '../support/fleet/inprocess.js';
import { brokenFileHook, buildRangeRepo } from '../support/git.js';

const SERVICE = 'nova-compute';
let root: string;
let fleet: InProcessFleet;
let repo: Awaited<ReturnType<typeof buildRangeRepo>>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-bisect-'));
  repo = await buildRangeRepo(join(root, 'deploy'), 32, 19, SERVICE);
  fleet = await startInProcessFleet({
    root: join(root, 'fleet'),
    names: ['cmp-1'],
    seedVersion: repo.grizzly,
  });
  writeFileSync(join(fleet.dirOf('cmp-1'), 'health-hook'), brokenFileHook(repo.path));
});

afterAll(async () => {
  await fleet?.close();
  rmSync(root, { recursive: true, force: true });
});

const command = (phase: Phase, sha: string): Command => ({
  phase,
  text: renderTemplate(fleet.phases[phase], { service: SERVICE, commit: sha, fromCommit: repo.grizzly }),
  timeoutMs: 10_000,
});

describe('bisection on a node over SSH', () => {
  it('names commit 19 of 32 despite a connection dropped mid-probe (a skip, then a new connection), and restores the node', async () => {
    const node = fleet.nodes[0]!;
    const runner = createSshRunner({
      ssh: sshSchema.parse({
        user: fleet.user,
        privateKey: fleet.clientKeyPath,
        knownHosts: fleet.knownHostsPath,
      }),
      redact: [],
    });
    const last = repo.shas[31]!;
    // The rollout deployed the head of the range, and its health check failed.
    const session = reconnecting(() => runner.open(node), await runner.open(node));
    expect((await session.run(command('upgrade', last))).exitCode).toBe(0);
    expect((await session.run(command('health', last))).exitCode).toBe(1);
    const before = fleet.upgrades('cmp-1').length;
    const connected = fleet.connections('cmp-1');

    // The first midpoint (commit 16) loses its connection while it deploys.
    fleet.behave('cmp-1', { drop: { on: new RegExp(`upgrade .*${repo.shas[15]}`), afterMs: 0 } });
    const { probe, recheck } = makeProbe({
      session,
      upgradeCommand: (sha) => command('upgrade', sha),
      phaseCommand: (sha) => command('health', sha),
    });
    const commits = await createGitRepo(repo.path).range(repo.grizzly, last);
    const culprit = await bisect({
      commits,
      fromCommit: repo.grizzly,
      paths: [`${SERVICE}/`],
      probe,
      recheck,
      retries: 1,
      progress: () => undefined,
    });
    fleet.behave('cmp-1', {});
    // The drop happened, and bisection went on over a second connection.
    expect(fleet.connections('cmp-1')).toBe(connected + 1);
    expect(culprit).toMatchObject({
      how: 'bisected',
      sha: repo.shas[18],
      authorEmail: 'alice@example.com',
    });
    expect(await restore(session, (sha) => command('upgrade', sha), last)).toBeUndefined();
    await session.close();

    const log = fleet.upgrades('cmp-1').slice(before);
    // Every probe deployed once; the dropped one may not have reached the log; then the restore.
    const probes = log.slice(0, -1);
    expect(culprit.probes).toBeLessThanOrEqual(7);
    expect(probes.length).toBeGreaterThanOrEqual(culprit.probes - 1);
    expect(probes.length).toBeLessThanOrEqual(culprit.probes);
    expect(probes.filter((line) => !line.includes(repo.shas[15]!)).length).toBeLessThanOrEqual(6);
    expect(log.at(-1)).toBe(`${SERVICE} ${last}`);
    expect(fleet.upgrades('cmp-1').at(-1)).toBe(`${SERVICE} ${last}`);
  });
});

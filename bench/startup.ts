// Where a one-shot `drover` spends its start: each command run R times (`--runs`, 5) as a
// whole process on the embedded database of a fixture directory (a 200-node config, the demo's
// deploy repository, a database already migrated by a first run), traced by startup-trace.mjs:
// the modules loaded (how many, when the last of the command's code was loaded), when the
// embedded database's module was loaded, the first git process, the first TCP connection
// (SSH: `upgrade start` only; the nodes refuse, so the run ends at once) and the exit. The
// run with the median exit time is reported. `npm run build` first (it runs dist/).
// `tsx bench/startup.ts [--runs 5] [--nodes 200]`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDemoRepo } from '../src/demo/repo.js';
import { demoConfigYaml } from './demo-config.js';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'drover.js');
const TRACE = join(ROOT, 'bench', 'startup-trace.mjs');

interface Notes {
  modules: Array<{ url: string; at: number }>;
  spawns: Array<{ file: string; args: string[]; at: number }>;
  firstConnect: number | null;
  exit: number;
}

function yaml(repo: string, nodes: number): string {
  const lines = Array.from(
    { length: nodes },
    (_, i) =>
      `      - { name: n${i + 1}, host: 127.1.${(i >> 8) & 255}.${(i & 255) + 1}, port: 9, roles: [${i < 2 ? 'controller' : 'compute'}] }`,
  );
  return demoConfigYaml({
    repo,
    ssh: 'concurrency: 50, connectTimeout: 2s',
    phases: ['version', 'upgrade', 'health', 'rollback'],
    nodes: lines,
  });
}

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : value.toFixed(0);

function traced(cwd: string, args: string[]): Notes & { wall: number } {
  const out = join(cwd, `trace-${process.hrtime.bigint()}.json`);
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', DROVER_STARTUP_TRACE: out },
  });
  const wall = performance.now() - started;
  if (child.error) throw child.error;
  // `upgrade start` ends paused (the nodes refuse connections): any exit status is its end.
  if (child.status !== 0 && args[1] !== 'start')
    throw new Error(`drover ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return { ...(JSON.parse(readFileSync(out, 'utf8')) as Notes), wall };
}

function describe(notes: Notes & { wall: number }) {
  const ours = notes.modules.filter((m) => m.url.startsWith(`file://${ROOT}dist/`));
  const first = (pattern: RegExp) => notes.modules.find((m) => pattern.test(m.url))?.at;
  const pkgs = new Set(
    notes.modules
      .map((m) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m.url)?.[1])
      .filter((p): p is string => p !== undefined),
  );
  const git = notes.spawns.find((s) => s.file === 'git');
  return {
    modules: notes.modules.length,
    ours: ours.length,
    cli: first(/dist\/cli\.js$/),
    commands: notes.modules.filter((m) => /-command\.js$/.test(m.url)).pop()?.at,
    pglite: first(/@electric-sql\/pglite/),
    git: git?.at,
    connect: notes.firstConnect,
    exit: notes.exit,
    wall: notes.wall,
    heavy: ['@slack/bolt', 'discord.js', 'drizzle-kit', 'prom-client', 'pino', 'node-ssh', 'ssh2'].filter(
      (p) => pkgs.has(p),
    ),
  };
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, nodes: { type: 'string', default: '200' } },
  });
  const runs = Number(values.runs);
  const cwd = mkdtempSync(join(tmpdir(), 'drover-startup-'));
  const repo = await createDemoRepo(join(cwd, 'deploy'));
  writeFileSync(join(cwd, 'drover.yaml'), yaml(repo.path, Number(values.nodes)));
  // The database made and migrated once, as on an operator's machine after the first run.
  traced(cwd, ['migrate']);
  const commands: Array<[string, string[]]> = [
    ['--version', ['--version']],
    ['validate', ['validate']],
    ['plan havana', ['plan', 'havana', '--env', 'bench']],
    ['upgrade status', ['upgrade', 'status', '--env', 'bench']],
    ['upgrade start havana', ['upgrade', 'start', 'havana', '--env', 'bench', '--wait']],
  ];
  const node = spawnSync(process.execPath, ['-e', '0']);
  if (node.error) throw node.error;
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${runs} runs each, median`,
  );
  console.log(
    '| command | modules (drover’s) | CLI loaded ms | commands defined ms | PGlite loaded ms | first git ms | first SSH connection ms | exit ms | wall ms | heavy packages loaded |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [label, args] of commands) {
    const all = Array.from({ length: runs }, () => {
      // `upgrade start` needs no active upgrade left by the previous run.
      if (label.startsWith('upgrade'))
        spawnSync(process.execPath, [BIN, 'upgrade', 'abort', '--env', 'bench'], { cwd });
      return describe(traced(cwd, args));
    }).sort((a, b) => a.exit - b.exit);
    const d = all[Math.floor(all.length / 2)]!;
    console.log(
      `| ${label} | ${d.modules} (${d.ours}) | ${ms(d.cli)} | ${ms(d.commands)} | ${ms(d.pglite)} | ${ms(d.git)} | ${ms(d.connect)} | ${ms(d.exit)} | ${ms(d.wall)} | ${d.heavy.join(', ') || '–'} |`,
    );
  }
}

await main();

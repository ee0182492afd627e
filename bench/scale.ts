// The scale benchmark: an upgrade of N units (200, 1,000, 10,000 by default) at concurrency
// 200, on the embedded database, against a fleet faked below SSH (instant-runner.ts), each size
// in a process of its own so that its peak RSS is its own. Measured per size: wall time of the
// upgrade (start → completed), drover's CPU (user + system of the process, process.cpuUsage,
// over the same span) in total and per unit, the rows the upgrade left in the database per
// unit, and the process's peak RSS. `tsx bench/scale.ts [--sizes 200,1000,10000]
// [--concurrency 200] [--unbatched]`; one size alone: `--size N` (prints JSON).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { systemClock } from '../src/adapters/clock.js';
import { rowsOf } from '../src/adapters/db/db.js';
import { openDatabase } from '../src/adapters/db/open.js';
import { createGitRepo } from '../src/adapters/git/repo.js';
import { parseConfig } from '../src/config/load.js';
import { createDemoRepo } from '../src/demo/repo.js';
import { createEngine } from '../src/engine/host.js';
import type { Actor } from '../src/engine/types.js';
import { demoConfigYaml } from './demo-config.js';
import { instantFleet } from './instant-runner.js';

const OPS: Actor = { id: 'cli:ops@bench', platform: 'cli', name: 'ops' };

export interface ScaleFigures {
  units: number;
  concurrency: number;
  batched: boolean;
  wallMs: number;
  startMs: number;
  cpuMs: number;
  cpuMsPerUnit: number;
  rows: number;
  rowsPerUnit: number;
  rowsByTable: Record<string, number>;
  execsPerUnit: number;
  peakRssMb: number;
  state: string;
}

function scaleYaml(repo: string, units: number, concurrency: number, batched: boolean): string {
  const host = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const nodes = Array.from({ length: units }, (_, i) =>
    i < 2
      ? `      - { name: ctl-${i + 1}, host: ${host(i + 1)}, roles: [controller] }`
      : `      - { name: cmp-${i - 1}, host: ${host(i + 1)}, roles: [compute] }`,
  );
  return demoConfigYaml({
    repo,
    ssh: `concurrency: ${concurrency}, batchPhases: ${batched}`,
    phases: ['version', 'drain', 'upgrade', 'health', 'undrain', 'rollback'],
    nodes,
  });
}

/** One size, in this process. */
async function measure(units: number, concurrency: number, batched: boolean): Promise<ScaleFigures> {
  const root = mkdtempSync(join(tmpdir(), 'drover-scale-'));
  try {
    const repo = await createDemoRepo(join(root, 'deploy'));
    const file = join(root, 'drover.yaml');
    const yaml = scaleYaml(repo.path, units, concurrency, batched);
    writeFileSync(file, yaml);
    const config = parseConfig(yaml, file, {});
    const database = await openDatabase({ env: {}, dataDir: join(root, 'db') });
    const fleet = instantFleet(repo.grizzly, batched);
    try {
      const engine = createEngine({
        config,
        store: database.store,
        runner: fleet.runner,
        clock: systemClock,
        owner: `bench:${process.pid}`,
        refs: createGitRepo(repo.path),
      });
      const rowsBefore = await countRows(database.db);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const upgrade = await engine.upgrades.start(OPS, 'havana', { environment: 'bench' });
      const startMs = performance.now() - started;
      const snapshot = await engine.drive(upgrade.upgrade.id, 'terminal');
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const rowsAfter = await countRows(database.db);
      const rowsByTable = Object.fromEntries(
        Object.entries(rowsAfter)
          .map(([table, n]) => [table, n - (rowsBefore[table] ?? 0)] as const)
          .filter(([, n]) => n !== 0),
      );
      const rows = Object.values(rowsByTable).reduce((sum, n) => sum + n, 0);
      const cpuMs = (used.user + used.system) / 1000;
      return {
        units: snapshot.units.length,
        concurrency,
        batched,
        wallMs,
        startMs,
        cpuMs,
        cpuMsPerUnit: cpuMs / snapshot.units.length,
        rows,
        rowsPerUnit: rows / snapshot.units.length,
        rowsByTable,
        execsPerUnit: fleet.counts().execs / snapshot.units.length,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        state: snapshot.upgrade.state,
      };
    } finally {
      await database.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Rows in each table of the public schema. */
async function countRows(
  db: Awaited<ReturnType<typeof openDatabase>>['db'],
): Promise<Record<string, number>> {
  const tables = rowsOf<{ name: string }>(
    await db.execute(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    ),
  ).map((row) => row.name);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = rowsOf<{ n: number | string }>(
      await db.execute(sql.raw(`select count(*) as n from "${table}"`)),
    );
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

function row(f: ScaleFigures): string {
  return `| ${f.units.toLocaleString('en')} | ${f.concurrency} | ${f.batched ? 'yes' : 'no'} | ${(f.wallMs / 1000).toFixed(2)} | ${(f.startMs / 1000).toFixed(2)} | ${(f.cpuMs / 1000).toFixed(2)} | ${f.cpuMsPerUnit.toFixed(2)} | ${f.rowsPerUnit.toFixed(2)} | ${f.execsPerUnit.toFixed(2)} | ${f.peakRssMb.toFixed(0)} | ${f.state} |`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' },
      sizes: { type: 'string', default: '200,1000,10000' },
      concurrency: { type: 'string', default: '200' },
      unbatched: { type: 'boolean', default: false },
    },
  });
  const concurrency = Number(values.concurrency);
  const batched = !values.unbatched;
  if (values.size) {
    const figures = await measure(Number(values.size), concurrency, batched);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"])
    .toString()
    .trim();
  console.log(`${cpu}, nproc ${execFileSync('nproc').toString().trim()}, Node ${process.version}`);
  console.log(
    '| units | concurrency | batched | wall s | of which start s | CPU s | CPU ms/unit | rows/unit | execs/unit | peak RSS MB | state |',
  );
  console.log('| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const size of values.sizes.split(',').map(Number)) {
    const load = loadavg()[0]!.toFixed(2);
    const args = [
      ...process.execArgv,
      process.argv[1]!,
      '--size',
      String(size),
      '--concurrency',
      String(concurrency),
    ];
    if (!batched) args.push('--unbatched');
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (child.status !== 0) throw new Error(`size ${size} failed: ${child.stderr}`);
    const figures = JSON.parse(child.stdout.trim().split('\n').pop()!) as ScaleFigures;
    console.log(`${row(figures)} <!-- load ${load}; rows ${JSON.stringify(figures.rowsByTable)} -->`);
  }
}

await main();

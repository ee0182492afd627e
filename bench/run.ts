// `npm run bench`: a 200-node OpenSSH fleet on 127.0.0.0/8, concurrency 50, phases upgrade +
// health, without and with a 1 s sleep in upgrade. Every contender runs against the same
// fleet (reset between runs) and is checked afterwards: each node upgraded exactly once to
// the expected commit. Prints a ratio table against the bare node-ssh loop (a).
// Options: --nodes N (200) --concurrency C (50) --no-sleep-only
//          --only a,a+,a+v,b,drover,drover-pg,serve,serve-cold,drover-openssh,serve-openssh,serve-openssh-cold
//          --runs R (1: each contender R times, in rounds; the median run is reported)
//          --profile DIR (drover writes a V8 CPU profile of each run there)

import { readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { opensshUnavailable, startOpensshFleet } from '../test/support/fleet/openssh.js';
import { nodeSshLoop, probingRunnerLoop, runnerLoop, xargsSsh } from './baselines.js';
import { drover, droverOnPostgres, droverOpenssh } from './drover.js';
import type { Measurement } from './measure.js';
import { droverServe, droverServeCold, droverServeOpenssh, droverServeOpensshCold } from './serve.js';
import type { Contender, Outcome, Scenario } from './types.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const NODES = Number.parseInt(option('nodes', '200'), 10);
const CONCURRENCY = Number.parseInt(option('concurrency', '50'), 10);
const ONLY = option(
  'only',
  'a,a+,a+v,b,drover,drover-pg,serve,serve-cold,drover-openssh,serve-openssh,serve-openssh-cold',
).split(',');
const RUNS = Math.max(1, Number.parseInt(option('runs', '1'), 10));
const PROFILE = option('profile', '');
const CONTENDERS: Array<[string, Contender]> = [
  ['a', nodeSshLoop],
  ['a+', runnerLoop],
  ['a+v', probingRunnerLoop],
  ['b', xargsSsh],
  ['drover', drover],
  ['drover-pg', droverOnPostgres],
  ['serve', droverServe],
  ['serve-cold', droverServeCold],
  ['drover-openssh', droverOpenssh],
  ['serve-openssh', droverServeOpenssh],
  ['serve-openssh-cold', droverServeOpensshCold],
];

function resetNodes(scenario: Scenario): void {
  for (const node of scenario.fleet.nodes) {
    rmSync(join(node.dir, 'upgrade.log'), { force: true });
    rmSync(join(node.dir, 'phases.log'), { force: true });
    for (const file of readdirSync(join(node.dir, 'state')))
      rmSync(join(node.dir, 'state', file), { force: true });
  }
}

/** Nodes not upgraded exactly once to the expected commit. */
function wrongNodes(scenario: Scenario, commit: string): string[] {
  return scenario.fleet.nodes
    .filter((node) => {
      const lines = scenario.fleet.upgrades(node.name);
      return lines.length !== 1 || lines[0] !== `keystone ${commit}`;
    })
    .map((node) => node.name);
}

const isMeasurement = (o: Outcome): o is Measurement => !('unavailable' in o);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

interface Row {
  name: string;
  runs: Array<{ outcome: Outcome; check: string }>;
}

/** The run with the median wall time among the measured ones, and the range of their walls. */
function median(row: Row): { outcome: Outcome; check: string; range: string } {
  const measured = row.runs.filter((run) => isMeasurement(run.outcome));
  if (measured.length === 0) return { ...row.runs[0]!, range: '' };
  const byWall = [...measured].sort(
    (x, y) => (x.outcome as Measurement).wallMs - (y.outcome as Measurement).wallMs,
  );
  const walls = byWall.map((run) => (run.outcome as Measurement).wallMs / 1000);
  const failed = row.runs.find((run) => run.check !== 'ok');
  return {
    ...byWall[Math.floor((byWall.length - 1) / 2)]!,
    ...(failed ? { check: failed.check } : {}),
    range: walls.length > 1 ? `${fmt(walls[0]!, 2)}–${fmt(walls.at(-1)!, 2)}` : '',
  };
}

function table(label: string, rows: Row[]): string {
  const picked = rows.map((row) => ({ name: row.name, ...median(row) }));
  const base = picked.find((row) => row.name.startsWith('(a)'))?.outcome;
  const baseWall = base && isMeasurement(base) ? base.wallMs : Number.NaN;
  const lines = [
    `### ${label}${RUNS > 1 ? ` (median of ${RUNS} runs)` : ''}`,
    '',
    '| contender | wall s | × (a) | overhead ms/node | client CPU s | CPU ms/node | box CPU s | peak RSS MB | DB rows written (transactions) / node | check |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const { name, outcome, check, range } of picked) {
    if (!isMeasurement(outcome)) {
      lines.push(`| ${name} | not available: ${outcome.unavailable} | | | | | | | | |`);
      continue;
    }
    const wall = `${fmt(outcome.wallMs / 1000, 2)}${range ? ` (${range})` : ''}`;
    lines.push(
      `| ${name} | ${wall} | ${fmt(outcome.wallMs / baseWall, 2)} | ${fmt((outcome.wallMs - baseWall) / NODES)} | ${fmt(outcome.cpuMs / 1000, 2)} | ${fmt(outcome.cpuMs / NODES)} | ${fmt(outcome.boxCpuMs / 1000, 2)} | ${fmt(outcome.peakRssKb / 1024, 0)} | ${outcome.dbWrites ? `${fmt(outcome.dbWrites.rows / NODES)} (${fmt(outcome.dbWrites.transactions / NODES, 2)})` : '–'} | ${check} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const unavailable = opensshUnavailable();
  if (unavailable) {
    console.log(`bench: cannot run: ${unavailable}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}`,
  );
  const started = Date.now();
  const fleet = await startOpensshFleet({
    names: Array.from({ length: NODES }, (_, i) => `node-${String(i + 1).padStart(3, '0')}`),
    seedVersion: 'grizzly',
  });
  console.log(`fleet: ${NODES} sshd on ${fleet.nodes[0]!.host}…, started in ${Date.now() - started} ms`);
  try {
    const variants: Array<[string, string]> = [
      ['no sleep', fleet.phases.upgrade],
      ['1 s sleep in upgrade', `sleep 1; ${fleet.phases.upgrade}`],
    ];
    for (const [label, upgradeTemplate] of process.argv.includes('--no-sleep-only')
      ? variants.slice(0, 1)
      : variants) {
      const chosen = CONTENDERS.filter(([key]) => ONLY.includes(key));
      const rows: Row[] = chosen.map(([, contender]) => ({ name: contender.name, runs: [] }));
      for (let round = 0; round < RUNS; round += 1) {
        for (const [index, [, contender]] of chosen.entries()) {
          let commit = '0123456789abcdef0123456789abcdef01234567';
          const scenario: Scenario = {
            label,
            fleet,
            concurrency: CONCURRENCY,
            upgradeTemplate,
            commit,
            expectCommit: (c) => {
              commit = c;
            },
            resetFleet: () => resetNodes(scenario),
            timeoutMs: 600_000,
            ...(PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] } : {}),
          };
          resetNodes(scenario);
          const outcome = await contender.run(scenario);
          const wrong = isMeasurement(outcome) ? wrongNodes(scenario, commit) : [];
          const check = !isMeasurement(outcome)
            ? ''
            : outcome.exitCode !== 0
              ? `exit ${outcome.exitCode}`
              : wrong.length === 0
                ? 'ok'
                : `${wrong.length} nodes wrong`;
          if (isMeasurement(outcome) && check !== 'ok')
            console.log(`${contender.name}: ${outcome.stderr.slice(-2000)}`);
          console.log(
            `${label} / ${contender.name}${RUNS > 1 ? ` (run ${round + 1})` : ''}: ${isMeasurement(outcome) ? `${outcome.wallMs} ms, ${check}` : outcome.unavailable}`,
          );
          rows[index]!.runs.push({ outcome, check });
        }
      }
      console.log(`\n${table(`${NODES} nodes, concurrency ${CONCURRENCY}, ${label}`, rows)}\n`);
    }
  } finally {
    await fleet.close();
  }
}

await main();

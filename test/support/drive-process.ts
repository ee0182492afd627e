// A drover driving one upgrade in a process of its own, for tests of two drivers at once:
//   node --import tsx drive-process.ts <config> <owner> <leaseMs> start|<upgrade id>
// with DATABASE_URL set. Prints `upgrade <id>` once it exists, then `state <state>` at the end.
import { readFileSync } from 'node:fs';
import { systemClock } from '../../src/adapters/clock.js';
import { openDatabase } from '../../src/adapters/db/open.js';
import { createGitRepo } from '../../src/adapters/git/repo.js';
import { createSshRunner } from '../../src/adapters/ssh/runner.js';
import { parseConfig } from '../../src/config/load.js';
import { createEngine } from '../../src/engine/host.js';

const [configPath, owner, leaseMs, what] = process.argv.slice(2);
if (!configPath || !owner || !leaseMs || !what)
  throw new Error('usage: <config> <owner> <leaseMs> start|<id>');
const config = parseConfig(readFileSync(configPath, 'utf8'), configPath, {});
const database = await openDatabase({
  env: { DATABASE_URL: process.env.DATABASE_URL },
  dataDir: 'memory://',
});
const runner = createSshRunner({ ssh: config.ssh, redact: config.redact });
const engine = createEngine({
  config,
  store: database.store,
  runner,
  clock: systemClock,
  owner,
  refs: createGitRepo(config.releases.repo),
  leaseMs: Number.parseInt(leaseMs, 10),
  pollMs: 50,
});
const actor = { id: `cli:${owner}`, platform: 'cli' as const, name: owner };
const id =
  what === 'start'
    ? (await engine.upgrades.start(actor, 'havana', { environment: 'lab' })).upgrade.id
    : Number.parseInt(what, 10);
console.log(`upgrade ${id}`);
const snapshot = await engine.drive(id, 'terminal');
console.log(`state ${snapshot.upgrade.state}`);
await runner.close();
await database.close();

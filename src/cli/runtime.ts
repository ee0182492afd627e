// Wiring: the config, the database, SSH, the deploy repository and the engine, built once
// per command from the environment. The only place (with the other src/cli modules) that
// constructs adapters.
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { systemClock } from '../adapters/clock.js';
import { createDigestQueries } from '../adapters/db/digest-queries.js';
import { type Database, openDatabase } from '../adapters/db/open.js';
import { createGitRepo } from '../adapters/git/repo.js';
import type { Metrics } from '../adapters/metrics/metrics.js';
import { createNodeRunner } from '../adapters/ssh/transport.js';
import { createDigestScheduler, type DigestScheduler } from '../bot/digest/runner.js';
import { createDispatcher, type Dispatcher } from '../bot/dispatch.js';
import type { Platform } from '../bot/model.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createAttributor } from '../engine/attribution.js';
import { createEngine, type Engine } from '../engine/host.js';
import type { Logger } from '../engine/log.js';
import type { Clock, Commits, NodeRunner } from '../engine/ports.js';
import type { Actor } from '../engine/types.js';
import { instrumentDigests, instrumentRunner, instrumentStore } from './instrument.js';

export interface Runtime {
  config: Config;
  file: string;
  db: Database;
  engine: Engine;
  runner: NodeRunner;
  clock: Clock;
  owner: string;
  /** The deploy repository, when it is on this machine. */
  commits: Commits | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Where the embedded database lives when DATABASE_URL is unset (default `.drover/db`). */
  dataDir?: string;
  clock?: Clock;
  pollMs?: number;
  /** Accept and record host keys not yet in known_hosts (never changed ones); audited. */
  trustNewHosts?: boolean;
  /** Called after this process writes events or outgoing messages (see OpenOptions.onWrite). */
  onWrite?: () => void;
  /** Where the engine logs (a driver's failure, say). */
  log?: Logger;
  /** Counters the engine's SSH runs and commits move (GET /metrics). */
  metrics?: Metrics;
}

export function cliActor(): Actor {
  const user = userInfo().username;
  return { id: `cli:${user}@${hostname()}`, platform: 'cli', name: user };
}

export function processOwner(): string {
  return `${hostname()}:${process.pid}`;
}

/** A lease owner `host:pid` on this host whose process is gone. */
export function ownerDead(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function openRuntime(
  env: NodeJS.ProcessEnv,
  configFlag?: string,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const { config, file } = loadConfig(env, configFlag);
  const db = await openDatabase({
    env,
    dataDir: options.dataDir ?? resolve('.drover', 'db'),
    ...(options.onWrite ? { onWrite: options.onWrite } : {}),
  });
  try {
    const clock = options.clock ?? systemClock;
    const ssh = createNodeRunner({
      ssh: config.ssh,
      passphrase: env.DROVER_SSH_PASSPHRASE,
      redact: config.redact,
      // Only on the operator's explicit request, and every key taken is audited.
      trustOnFirstUse: options.trustNewHosts ?? false,
      onTrust: (host, keyType, fingerprint) =>
        void db.store
          .audit({
            actor: cliActor(),
            command: 'trust new host key',
            args: { host, keyType, fingerprint },
            outcome: `appended to ${config.ssh.knownHosts}`,
          })
          .catch((error: unknown) =>
            process.emitWarning(`could not audit the new host key of ${host}: ${(error as Error).message}`),
          ),
    });
    const { metrics } = options;
    const runner = metrics ? instrumentRunner(ssh, metrics) : ssh;
    const repo = existsSync(config.releases.repo) ? createGitRepo(config.releases.repo) : undefined;
    const owner = processOwner();
    const engine = createEngine({
      config,
      store: metrics ? instrumentStore(db.store, metrics) : db.store,
      runner,
      clock,
      owner,
      ownerDead,
      ...(options.log ? { log: options.log } : {}),
      refs: repo,
      attributor: repo ? createAttributor({ config, commits: repo, runner }) : undefined,
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    });
    const close = async () => {
      await runner.close();
      await db.close();
    };
    return { config, file, db, engine, runner, clock, owner, commits: repo, close };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * The dispatcher every command path of this process goes through (CLI verbs, the console,
 * chat, the deploy webhook): built here once so its steps are the same everywhere.
 */
export function commandDispatcher(
  runtime: Runtime,
  digest?: (environment: string | undefined) => Promise<string>,
  onError?: (error: unknown) => void,
): Dispatcher {
  return createDispatcher({
    upgrades: runtime.engine.upgrades,
    store: runtime.db.store,
    config: runtime.config,
    ...(digest ? { digest } : {}),
    ...(onError ? { onError } : {}),
  });
}

/** The digests of every environment, posted to the platforms this process serves. */
export function digestScheduler(
  runtime: Runtime,
  platforms: Platform[],
  onError?: (error: unknown, environment: string) => void,
  metrics?: Metrics,
): DigestScheduler {
  const { config, db, clock, owner } = runtime;
  return createDigestScheduler({
    config,
    store: db.store,
    queries: createDigestQueries(db.db),
    digests: metrics ? instrumentDigests(db.digests, metrics) : db.digests,
    outbox: db.outbox,
    clock,
    owner,
    platforms,
    ...(onError ? { onError } : {}),
  });
}

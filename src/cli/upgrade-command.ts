// `drover upgrade <verb> …`: the chat verbs from the shell, options as flags. The CLI acts as
// the local user (`cli:<user>@<host>`), counts as an operator, and drives the upgrade itself
// when no other drover process holds its lease.
import { parseArgs } from 'node:util';
import { VERBS, type Verb } from '../bot/grammar.js';
import { describeSnapshot } from '../bot/render/text.js';
import type { Io } from '../cli.js';
import type { RollbackScope, StartOptions, Target } from '../engine/api.js';
import type { UpgradeSnapshot } from '../engine/ports.js';
import { statusJson } from '../engine/report.js';
import { TERMINAL_UPGRADE } from '../engine/transitions.js';
import type { Actor, StrategyKind } from '../engine/types.js';
import { UsageError } from '../errors.js';
import { followEvents } from './progress.js';
import { cliActor, openRuntime, type Runtime } from './runtime.js';

export const UPGRADE_USAGE = `usage: drover upgrade <verb> [args] [options]

verbs:
  start <release> [--env E] [--strategy rolling|waves|all-at-once] [--batch N|N%] [--auto]
  step | status [id] | pause | resume | abort      [--env E] [--id N]
  rollback [wave|all]                              [--env E] [--id N]
  retry <node> | skip <node>                       [--env E] [--id N]
  ack [failure-id] [note…]

options:
  --wait    stay until the upgrade rests; exit 0 completed (or rolled back, for rollback),
            2 waiting at a gate for step, 1 failed, paused or aborted
  --json    print the upgrade(s) as JSON (docs/json.md)
  --trust-new-hosts
            accept host keys not yet in known_hosts (never changed ones), append them and audit it
  --config F`;

/** The chat verbs the CLI takes as `drover upgrade <verb>` (`plan` is `drover plan`; digests post to chat). */
const CLI_VERBS = VERBS.filter((verb) => verb !== 'plan' && verb !== 'digest');

export async function upgradeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      env: { type: 'string' },
      strategy: { type: 'string' },
      batch: { type: 'string' },
      auto: { type: 'boolean' },
      id: { type: 'string' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      config: { type: 'string' },
      'trust-new-hosts': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || verb === undefined || verb === 'help') {
    io.out(UPGRADE_USAGE);
    return verb === undefined && !values.help ? 1 : 0;
  }
  if (!(CLI_VERBS as readonly string[]).includes(verb)) {
    io.err(`drover upgrade: unknown verb "${verb}"\n${UPGRADE_USAGE}`);
    return 1;
  }
  if (values.strategy !== undefined && !['rolling', 'waves', 'all-at-once'].includes(values.strategy)) {
    io.err('drover upgrade: --strategy is rolling, waves or all-at-once');
    return 1;
  }
  if (values.batch !== undefined && !/^\d+%?$/.test(values.batch)) {
    io.err('drover upgrade: --batch is N or N%');
    return 1;
  }
  if (values.id !== undefined && !/^\d+$/.test(values.id)) {
    io.err('drover upgrade: --id is a number');
    return 1;
  }
  const runtime = await openRuntime(io.env, values.config, {
    trustNewHosts: values['trust-new-hosts'] ?? false,
  });
  try {
    const actor = cliActor();
    const target: Target = {
      ...(values.id === undefined ? {} : { upgradeId: Number.parseInt(values.id, 10) }),
      ...(values.env === undefined ? {} : { environment: values.env }),
    };
    const options: StartOptions = {
      ...(values.env === undefined ? {} : { environment: values.env }),
      ...(values.strategy === undefined ? {} : { strategy: values.strategy as StrategyKind }),
      ...(values.batch === undefined
        ? {}
        : { batch: /%$/.test(values.batch) ? values.batch : Number.parseInt(values.batch, 10) }),
      ...(values.auto ? { auto: true } : {}),
    };
    const json = values.json ?? false;
    if (verb === 'status') {
      const id =
        rest[0] !== undefined && /^\d+$/.test(rest[0]) ? { upgradeId: Number.parseInt(rest[0], 10) } : {};
      const snapshots = await runtime.engine.upgrades.status({ ...target, ...id });
      io.out(
        json
          ? JSON.stringify(snapshots.map(statusJson), null, 2)
          : snapshots.map(describeSnapshot).join('\n\n') || 'no upgrades yet',
      );
      return 0;
    }
    const snapshot = await audited(runtime, actor, verb, rest, values, () =>
      perform(runtime, actor, verb as Verb, rest, target, options),
    );
    const finished = await driveHere(runtime, snapshot, values.wait ?? false, json, io);
    io.out(json ? JSON.stringify(statusJson(finished), null, 2) : describeSnapshot(finished));
    return values.wait ? waitExitCode(verb, finished) : 0;
  } finally {
    await runtime.close();
  }
}

async function perform(
  runtime: Runtime,
  actor: Actor,
  verb: Verb,
  rest: string[],
  target: Target,
  options: StartOptions,
): Promise<UpgradeSnapshot> {
  const upgrades = runtime.engine.upgrades;
  const need = (what: string) => {
    if (rest[0] === undefined)
      throw new UsageError(`drover upgrade ${verb}: say which ${what}\n${UPGRADE_USAGE}`);
    return rest[0];
  };
  switch (verb) {
    case 'start':
      return upgrades.start(actor, need('release'), options);
    case 'step':
      return upgrades.step(actor, target);
    case 'pause':
      return upgrades.pause(actor, target);
    case 'resume': {
      // A running upgrade whose driver died needs no verb: this process drives it on.
      const [current] = await upgrades.status(target);
      if (current?.upgrade.state === 'running') return current;
      return upgrades.resume(actor, target);
    }
    case 'abort':
      return upgrades.abort(actor, target);
    case 'rollback': {
      const scope = (rest[0] ?? 'wave') as RollbackScope;
      if (scope !== 'wave' && scope !== 'all')
        throw new UsageError('drover upgrade rollback: the scope is wave or all');
      return upgrades.rollback(actor, target, scope);
    }
    case 'retry':
      return upgrades.retry(actor, target, need('node'));
    case 'skip':
      return upgrades.skip(actor, target, need('node'));
    case 'ack': {
      const id =
        rest[0] !== undefined && /^#?\d+$/.test(rest[0])
          ? Number.parseInt(rest[0].replace('#', ''), 10)
          : undefined;
      const note = (id === undefined ? rest : rest.slice(1)).join(' ') || undefined;
      return upgrades.ack(actor, id, note, target);
    }
    default:
      throw new UsageError(UPGRADE_USAGE);
  }
}

async function audited<T>(
  runtime: Runtime,
  actor: Actor,
  verb: string,
  rest: string[],
  flags: object,
  act: () => Promise<T>,
): Promise<T> {
  const args = { verb, args: rest, ...flags };
  try {
    const result = await act();
    await runtime.db.store.audit({ actor, command: `upgrade ${verb}`, args, outcome: 'ok' });
    return result;
  } catch (error) {
    await runtime.db.store.audit({
      actor,
      command: `upgrade ${verb}`,
      args,
      outcome: `refused: ${(error as Error).message}`,
    });
    throw error;
  }
}

/** Drives the upgrade here when no other process does, streaming progress when waiting. */
async function driveHere(
  runtime: Runtime,
  snapshot: UpgradeSnapshot,
  wait: boolean,
  json: boolean,
  io: Io,
): Promise<UpgradeSnapshot> {
  const id = snapshot.upgrade.id;
  if (TERMINAL_UPGRADE.includes(snapshot.upgrade.state) && snapshot.upgrade.state !== 'completed')
    return snapshot;
  const holder = await runtime.db.store.leaseHolder(id, new Date());
  if (holder && !wait) {
    io.err(`upgrade #${id} is driven by ${holder}; it will act on this`);
    return snapshot;
  }
  const stopFollowing = json
    ? () => Promise.resolve()
    : await followEvents(runtime, id, (line) => io.err(line));
  try {
    return await runtime.engine.drive(id, 'resting');
  } finally {
    await stopFollowing();
  }
}

/**
 * `--wait` exit codes: 0 completed (or rolled back, for rollback); 2 at a gate; 3 completed with
 * failures (tolerated by maxFailures, or skipped); 1 otherwise.
 */
export function waitExitCode(verb: string, snapshot: UpgradeSnapshot): number {
  const { state } = snapshot.upgrade;
  if (state === 'completed') return 0;
  if (state === 'completed_with_failures') return 3;
  if (state === 'rolled_back') return verb === 'rollback' ? 0 : 1;
  if (state === 'running' && snapshot.waves[snapshot.upgrade.currentWave]?.state === 'gated') return 2;
  return 1;
}

// `drover plan <release> [--env E] [--strategy S] [--batch N] [--auto] [--json]`: a dry run.
import { parseArgs } from 'node:util';
import { planTable } from '../bot/render/text.js';
import type { Io } from '../cli.js';
import type { StartOptions } from '../engine/api.js';
import { planJson } from '../engine/report.js';
import type { StrategyKind } from '../engine/types.js';
import { UsageError } from '../errors.js';
import { openRuntime } from './runtime.js';

const USAGE =
  'usage: drover plan <release> [--env E] [--strategy rolling|waves|all-at-once] [--batch N|N%] [--json] [--config F]';

export async function planCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      strategy: { type: 'string' },
      batch: { type: 'string' },
      auto: { type: 'boolean' },
      json: { type: 'boolean' },
      config: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [release] = positionals;
  if (release === undefined) throw new UsageError(USAGE);
  if (values.strategy !== undefined && !['rolling', 'waves', 'all-at-once'].includes(values.strategy))
    throw new UsageError(USAGE);
  if (values.batch !== undefined && !/^\d+%?$/.test(values.batch)) throw new UsageError(USAGE);
  const options: StartOptions = {
    ...(values.env === undefined ? {} : { environment: values.env }),
    ...(values.strategy === undefined ? {} : { strategy: values.strategy as StrategyKind }),
    ...(values.batch === undefined
      ? {}
      : { batch: values.batch.endsWith('%') ? values.batch : Number.parseInt(values.batch, 10) }),
    ...(values.auto ? { auto: true } : {}),
  };
  const runtime = await openRuntime(io.env, values.config);
  try {
    const plan = await runtime.engine.upgrades.plan(release, options);
    io.out(values.json ? JSON.stringify(planJson(plan), null, 2) : planTable(plan));
    return 0;
  } finally {
    await runtime.close();
  }
}

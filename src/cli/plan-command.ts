// `drover plan <release> [--env E] [--strategy S] [--batch N] [--auto] [--json]`: a dry run,
// the grammar's `plan` carried out by the dispatcher like every verb.
import { parseWords } from '../bot/grammar.js';
import type { CliCommand } from './program.js';
import { verbCommand } from './upgrade-command.js';

export const command: CliCommand = {
  order: 30,
  define(program, { io, exit }) {
    const plan = program.command('plan').description('dry run: the waves, the order, the version skew');
    const words = verbCommand(plan, 'plan');
    plan
      .option('--json', 'print the plan as JSON (docs/json.md)')
      .option('--config <file>', 'the config file (default $DROVER_CONFIG or drover.yaml)')
      .action(async () => {
        const flags = plan.opts<{ json?: boolean; config?: string }>();
        const request = parseWords(words());
        const { openRuntime, commandDispatcher, cliActor } = await import('./runtime.js');
        const { planJson } = await import('./json.js');
        const runtime = await openRuntime(io.env, flags.config);
        try {
          const outcome = await commandDispatcher(runtime).handle(cliActor(), request);
          if (!outcome.ok || !outcome.plan) {
            io.err(`drover: ${outcome.text}`);
            return exit(1);
          }
          io.out(flags.json ? JSON.stringify(planJson(outcome.plan), null, 2) : outcome.text);
        } finally {
          await runtime.close();
        }
      });
  },
};

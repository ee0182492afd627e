// `drover console [--as PERSON] [--config F]`: chat with drover in the terminal (console.ts).
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 70,
  define(program, { io, exit }) {
    program
      .command('console')
      .description('chat with drover in the terminal')
      .option('--as <person>', 'act as someone from people: (to try the permissions)')
      .option('--config <file>', 'the config file (default $DROVER_CONFIG or drover.yaml)')
      .addHelpText(
        'after',
        '\ntype /upgrade lines; "as <person> <line>" acts as someone from people:; "quit" ends',
      )
      .action(async (flags: { as?: string; config?: string }) => {
        const { runConsole } = await import('./console.js');
        exit(await runConsole(flags, io));
      });
  },
};

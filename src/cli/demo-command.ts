// `drover demo [--interactive] [--keep]`: the whole product on this machine (demo.ts).
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 80,
  define(program, { io, exit }) {
    program
      .command('demo')
      .description('the whole product on this machine: no servers, no tokens')
      .option('--interactive', 'stop after the setup and hand the console over to you')
      .option('--keep', 'keep the temporary directory')
      .action(async (flags: { interactive?: boolean; keep?: boolean }) => {
        const { runDemo } = await import('./demo.js');
        exit(await runDemo(flags, io));
      });
  },
};

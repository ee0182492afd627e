// `drover completion bash|zsh`: the completion script, generated from the program's commands.
import { Argument } from 'commander';
import type { CliCommand } from './program.js';

export const command: CliCommand = {
  order: 110,
  define(program, { io }) {
    program
      .command('completion')
      .description('print the shell completion script (bash or zsh)')
      .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
      .addHelpText(
        'after',
        '\nbash: eval "$(drover completion bash)" in ~/.bashrc\nzsh:  drover completion zsh > ~/.zfunc/_drover (a directory of $fpath), or eval it after compinit',
      )
      .action(async (shell: 'bash' | 'zsh') => {
        const { bashCompletion, zshCompletion } = await import('./completion.js');
        io.out((shell === 'bash' ? bashCompletion : zshCompletion)(program).trimEnd());
      });
  },
};

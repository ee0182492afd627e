// Shell completion generated from the commander program itself: every command, subcommand,
// option, option value and argument choice it defines, so a new command completes with no edit.
// One function, `__drover_candidates`, is written in the shell language bash and zsh share; each
// shell's wrapper feeds it the words typed so far and offers what it prints.
import type { Command } from 'commander';

interface Node {
  /** The command words after `drover` (`upgrade start`), '' for the program. */
  path: string;
  subcommands: string[];
  options: string[];
  /** Options that take a value: their choices, or [] for a free value (a file, a name). */
  values: Map<string, string[]>;
  /** The choices of its positional arguments (`rollback wave|all`). */
  choices: string[];
}

function nodes(command: Command, path: string, out: Node[]): Node[] {
  const help = command.createHelp();
  const subcommands = help.visibleCommands(command);
  const options = help.visibleOptions(command);
  const values = new Map<string, string[]>();
  for (const option of options)
    if (option.required || option.optional)
      for (const flag of [option.long, option.short]) if (flag) values.set(flag, option.argChoices ?? []);
  out.push({
    path,
    subcommands: subcommands.map((sub) => sub.name()),
    options: options.flatMap((option) =>
      [option.long, option.short].filter((flag): flag is string => !!flag),
    ),
    values,
    choices: command.registeredArguments.flatMap((argument) => argument.argChoices ?? []),
  });
  for (const sub of command.commands) nodes(sub, path ? `${path} ${sub.name()}` : sub.name(), out);
  // `help <command>` completes the names of its siblings.
  if (subcommands.some((sub) => sub.name() === 'help') && !command.commands.some((c) => c.name() === 'help'))
    out.push({
      path: path ? `${path} help` : 'help',
      subcommands: [],
      options: [],
      values: new Map(),
      choices: command.commands.map((sub) => sub.name()),
    });
  return out;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const words = (list: string[]) => quote(list.join(' '));

/** The shared function: `__drover_candidates <current word> <words before it, after drover>…`. */
function candidatesFunction(program: Command): string {
  const all = nodes(program, '', []);
  const steps = all.flatMap((node) =>
    node.subcommands.map(
      (sub) => `    ${quote(`${node.path}|${sub}`)}) at=${quote(node.path ? `${node.path} ${sub}` : sub)} ;;`,
    ),
  );
  const valueCases = all.flatMap((node) =>
    [...node.values].map(
      ([flag, choices]) => `    ${quote(`${node.path}|${flag}`)}) echo ${words(choices)}; return ;;`,
    ),
  );
  const optionCases = all.map((node) => `      ${quote(node.path)}) echo ${words(node.options)} ;;`);
  const wordCases = all.map(
    (node) => `      ${quote(node.path)}) echo ${words([...node.subcommands, ...node.choices])} ;;`,
  );
  return `__drover_candidates() {
  local cur="$1" at="" prev="" w
  shift
  for w in "$@"; do
    case "$at|$w" in
${steps.join('\n')}
    esac
    prev="$w"
  done
  case "$at|$prev" in
${valueCases.join('\n')}
  esac
  case "$cur" in
    -*) case "$at" in
${optionCases.join('\n')}
    esac ;;
    *) case "$at" in
${wordCases.join('\n')}
    esac ;;
  esac
}`;
}

export function bashCompletion(program: Command): string {
  return `# drover completion for bash: eval "$(drover completion bash)" in ~/.bashrc,
# or save it as /etc/bash_completion.d/drover. Generated from drover's commands.
${candidatesFunction(program)}

_drover() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$' \\t\\n'
  COMPREPLY=($(compgen -W "$(__drover_candidates "$cur" "\${COMP_WORDS[@]:1:COMP_CWORD-1}")" -- "$cur"))
}
complete -o default -F _drover drover
`;
}

export function zshCompletion(program: Command): string {
  return `#compdef drover
# drover completion for zsh: save it as _drover in a directory of $fpath, or
# eval "$(drover completion zsh)" in ~/.zshrc after compinit. Generated from drover's commands.
${candidatesFunction(program)}

_drover() {
  local -a found
  found=(\${=$(__drover_candidates "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")})
  if (( \${#found} )); then
    compadd -- "\${found[@]}"
  else
    _files
  fi
}

if [[ "\${zsh_eval_context[-1]}" == loadautoload ]]; then
  _drover "$@"
else
  compdef _drover drover
fi
`;
}

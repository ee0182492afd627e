// `drover completion bash|zsh` as a user runs it: the scripts parse in their shell, and the
// completion function, called as the shell calls it, offers the program's own commands,
// verbs, options and option values — a command added to the program completes with no edit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bashCompletion, zshCompletion } from '../../src/cli/completion.js';
import { buildProgram } from '../../src/cli/program.js';
import { drover } from '../support/child.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-completion-'));
const hasZsh = spawnSync('zsh', ['--version']).status === 0;

/** What bash offers for the words typed so far (the last one being completed). */
function bashOffers(script: string, typed: string[]): string[] {
  const file = join(dir, 'drover.bash');
  writeFileSync(file, script);
  const words = typed.map((word) => `'${word}'`).join(' ');
  const run = spawnSync(
    'bash',
    [
      '-c',
      `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=${typed.length - 1}; _drover; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean);
}

describe('drover completion bash', () => {
  let script: string;
  beforeAll(async () => {
    const printed = await drover(['completion', 'bash']);
    expect(printed.code, printed.err).toBe(0);
    script = printed.out;
  });

  it('is a script bash accepts', () => {
    const file = join(dir, 'syntax.bash');
    writeFileSync(file, script);
    const check = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(script).toMatch(/^complete -o default -F _drover drover$/m);
  });

  it('completes commands, verbs, options, option values and argument choices', () => {
    expect(bashOffers(script, ['drover', 'up'])).toEqual(['upgrade']);
    expect(bashOffers(script, ['drover', 'upgrade', 'st']).sort()).toEqual(['start', 'status', 'step']);
    expect(bashOffers(script, ['drover', 'validate', '--'])).toEqual(
      expect.arrayContaining(['--json', '--reach', '--config', '--help']),
    );
    expect(bashOffers(script, ['drover', 'upgrade', 'start', 'havana', '--strategy', ''])).toEqual([
      'rolling',
      'waves',
      'all-at-once',
    ]);
    expect(bashOffers(script, ['drover', 'upgrade', 'rollback', ''])).toEqual(['wave', 'all']);
    expect(bashOffers(script, ['drover', 'help', 'au'])).toEqual(['audit']);
    expect(bashOffers(script, ['drover', 'audit', '--l'])).toEqual(['--limit']);
    // After an option that takes a free value, nothing is offered: bash falls back to files.
    expect(bashOffers(script, ['drover', 'validate', '--config', ''])).toEqual([]);
  });

  it('follows the program: a command added to it completes', async () => {
    const program = await buildProgram(
      { io: { out: () => {}, err: () => {}, env: {} }, exit: () => {} },
      '0',
    );
    program.command('frobnicate').option('--quux <level>', 'how much');
    const script = bashCompletion(program);
    expect(bashOffers(script, ['drover', 'frob'])).toEqual(['frobnicate']);
    expect(bashOffers(script, ['drover', 'frobnicate', '--q'])).toEqual(['--quux']);
  });

  it('writes zsh the same candidates function, wrapped for compadd (checked without zsh too)', async () => {
    const program = await buildProgram(
      { io: { out: () => {}, err: () => {}, env: {} }, exit: () => {} },
      '0',
    );
    const candidates = (text: string) => /^__drover_candidates\(\) \{\n[\s\S]*?\n\}$/m.exec(text)?.[0];
    const zsh = zshCompletion(program);
    expect(candidates(zsh)).toBeDefined();
    expect(candidates(zsh)).toBe(candidates(bashCompletion(program)));
    expect(zsh).toMatch(/^#compdef drover\n/);
    expect(zsh).toMatch(/compadd -- "\$\{found\[@\]\}"/);
    expect(zsh).toMatch(/^ {2}compdef _drover drover$/m);
  });

  it('refuses a shell it does not know with a usage line, exit 64', async () => {
    const wrong = await drover(['completion', 'fish']);
    expect(wrong.code).toBe(64);
    expect(wrong.err).toMatch(/'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh/);
    expect(wrong.err).toMatch(/^usage: drover completion \[options\] <shell>$/m);
  });
});

describe.runIf(hasZsh)('drover completion zsh', () => {
  it('is a script zsh accepts, whose function offers what bash offers', async () => {
    const printed = await drover(['completion', 'zsh']);
    expect(printed.code, printed.err).toBe(0);
    expect(printed.out).toMatch(/^#compdef drover\n/);
    const file = join(dir, '_drover');
    writeFileSync(file, printed.out);
    const check = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    // compadd only exists inside a completion widget: a function stands in and prints what
    // it was given; zsh itself keeps the words starting with what was typed.
    const run = spawnSync(
      'zsh',
      [
        '-f',
        '-c',
        `autoload -U compinit; compinit -u -D; source ${file}
compadd() { shift; print -l -- "$@" }
words=(drover upgrade st); CURRENT=3; _drover
print -- ---
words=(drover validate --); CURRENT=3; _drover`,
      ],
      { encoding: 'utf8', env: { ...process.env, HOME: dir } },
    );
    expect(run.stderr).toBe('');
    const [verbs, options] = run.stdout.split('---\n').map((part) => part.split('\n').filter(Boolean));
    expect(verbs!.filter((word) => word.startsWith('st')).sort()).toEqual(['start', 'status', 'step']);
    expect(options).toEqual(expect.arrayContaining(['--json', '--reach', '--config']));
  });
});

// `drover`: the command line. Every command is a module in src/cli/ (`*-command.ts`); those
// modules and src/cli/runtime.ts are the only places that wire adapters to the engine and the bot.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { CommanderError } from 'commander';
import { debugStack, oneLine } from './cli/errors-out.js';
import { EXIT_USAGE, type Io, processIo } from './cli/io.js';
import { buildProgram } from './cli/program.js';
import { ConfigError, DroverError, UsageError } from './errors.js';

/** The package's version (package.json sits one level above both src/ and dist/). */
export function droverVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest
    ? String(manifest.version)
    : 'unknown';
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = await buildProgram({ io, exit: (value) => (code = value) }, droverVersion());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    // commander has printed the error and the usage line; help and --version end with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    return report(error, io);
  }
}

/** What the user sees of an error: the fix for ours (coded errors), one line for the rest (the stack with LOG_LEVEL=debug). */
export function report(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`drover: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) io.err(error.message);
  else if (error instanceof DroverError) io.err(`drover: ${error.message}`);
  else {
    io.err(`drover: ${oneLine(error)}`);
    const stack = debugStack(error, io.env);
    if (stack) io.err(stack);
  }
  return 1;
}

/**
 * Commands other than `serve` run the embedded database's WebAssembly on V8's baseline
 * compiler only: optimizing PostgreSQL's hot functions costs a run of seconds or minutes more
 * CPU (~1.5 s at start, ~3 s over a 200-node upgrade here) than it saves. `serve` lives long
 * enough to profit from it. Called by the entry points, before the database is loaded.
 */
export function tuneForCommand(argv: string[]): void {
  if (argv[0] !== 'serve') setFlagsFromString('--liftoff-only');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  tuneForCommand(process.argv.slice(2));
  process.exitCode = await main(process.argv.slice(2));
}

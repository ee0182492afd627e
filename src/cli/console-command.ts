// `drover console [--as PERSON] [--config F]`: chat with drover in the terminal. Works on a
// dumb terminal and in a pipe (plain lines, commands echoed) so it can be scripted.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { linesOf } from '../adapters/console/lines.js';
import { createConsoleSession, personActor } from '../adapters/console/session.js';
import type { Io } from '../cli.js';
import { startConsoleApp } from './console-app.js';
import { cliActor, openRuntime } from './runtime.js';

export async function consoleCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, as: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    io.out(
      'usage: drover console [--as PERSON] [--config F]\n  type /upgrade lines; "as <person> <line>" acts as someone from people:; "quit" ends',
    );
    return 0;
  }
  const runtime = await openRuntime(io.env, values.config);
  const interactive = Boolean(process.stdin.isTTY) && io.env.TERM !== 'dumb';
  const app = await startConsoleApp(runtime, io.out, interactive);
  try {
    const self = values.as
      ? personActor(runtime.config, values.as)
      : { ...cliActor(), id: `console:${cliActor().name}`, platform: 'console' as const };
    if (!self) {
      io.err(`drover console: no person "${values.as}" in people:`);
      return 1;
    }
    const session = createConsoleSession({
      config: runtime.config,
      dispatcher: app.dispatcher,
      self,
      write: io.out,
      settle: () => app.settle(),
      echo: !interactive,
    });
    await runLines(session, interactive);
    return 0;
  } finally {
    await app.stop();
    await runtime.close();
  }
}

export async function runLines(
  session: { prompt: string; handleLine(line: string): Promise<boolean> },
  interactive: boolean,
): Promise<void> {
  if (!interactive) {
    for await (const line of linesOf(process.stdin)) if (!(await session.handleLine(line))) break;
    return;
  }
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    historySize: 500,
  });
  if (interactive) {
    rl.setPrompt(session.prompt);
    rl.prompt();
  }
  for await (const line of rl) {
    if (!(await session.handleLine(line))) break;
    if (interactive) rl.prompt();
  }
  rl.close();
}

// `drover console [--as PERSON] [--config F]` (console-command.ts): chat with drover in the terminal. Works on a
// dumb terminal and in a pipe (plain lines, commands echoed) so it can be scripted.
import { createInterface } from 'node:readline';
import { linesOf } from '../adapters/console/lines.js';
import { createConsoleSession, personActor } from '../adapters/console/session.js';
import { startConsoleApp } from './console-app.js';
import type { Io } from './io.js';
import { cliActor, openRuntime } from './runtime.js';

export async function runConsole(values: { config?: string; as?: string }, io: Io): Promise<number> {
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

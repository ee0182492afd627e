// drover's logs: pino, JSON lines on stdout when stdout is not a terminal (or
// DROVER_LOG_FORMAT=json), readable lines through pino-pretty on a terminal (or
// DROVER_LOG_FORMAT=pretty), at LOG_LEVEL (info). Bolt's and discord.js's own logging is routed
// into the same logger (see slackLogger and the Discord bot).
import { type Logger as SlackLogger, LogLevel as SlackLogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { z } from 'zod';
import type { Logger as LoggerPort } from '../../engine/log.js';
import { DroverError } from '../../errors.js';

const logEnv = z.object({
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DROVER_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export interface LoggerOptions {
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (default: process.stdout.isTTY). */
  terminal?: boolean;
  /** Where JSON lines go (default stdout). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const blank = Object.fromEntries(Object.entries(options.env).filter(([, value]) => value !== ''));
  const parsed = logEnv.safeParse(blank);
  if (!parsed.success)
    throw new DroverError(
      'config_invalid',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const { LOG_LEVEL: level, DROVER_LOG_FORMAT: format } = parsed.data;
  const terminal = options.terminal ?? process.stdout.isTTY === true;
  const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if ((format ?? (terminal ? 'pretty' : 'json')) === 'pretty')
    return pino(base, pretty({ colorize: terminal, destination: 1, sync: true }));
  return pino(base, options.destination ?? pino.destination({ dest: 1, sync: false }));
}

/** The logger port over pino (pino's own type has a richer signature). */
export function asPort(log: Logger): LoggerPort {
  return {
    debug: (a: Record<string, unknown> | string, b?: string) =>
      typeof a === 'string' ? log.debug(a) : log.debug(a, b),
    info: (a: Record<string, unknown> | string, b?: string) =>
      typeof a === 'string' ? log.info(a) : log.info(a, b),
    warn: (a: Record<string, unknown> | string, b?: string) =>
      typeof a === 'string' ? log.warn(a) : log.warn(a, b),
    error: (a: Record<string, unknown> | string, b?: string) =>
      typeof a === 'string' ? log.error(a) : log.error(a, b),
    child: (bindings) => asPort(log.child(bindings)),
  };
}

const slackLevels = [SlackLogLevel.DEBUG, SlackLogLevel.INFO, SlackLogLevel.WARN, SlackLogLevel.ERROR];

/** Bolt's logger interface, writing into drover's (Bolt's lines carry `lib: "bolt"`). */
export function slackLogger(port: LoggerPort): SlackLogger {
  const log = port.child({ lib: 'bolt' });
  let level = SlackLogLevel.INFO;
  const line = (parts: unknown[]) => {
    const error = parts.find((p) => p instanceof Error);
    const text = parts
      .filter((p) => !(p instanceof Error))
      .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
      .join(' ');
    return {
      fields: error ? { err: error } : {},
      text: text || (error instanceof Error ? error.message : ''),
    };
  };
  const at =
    (name: 'debug' | 'info' | 'warn' | 'error', mine: SlackLogLevel) =>
    (...parts: unknown[]) => {
      if (slackLevels.indexOf(mine) < slackLevels.indexOf(level)) return;
      const { fields, text } = line(parts);
      log[name](fields, text);
    };
  return {
    debug: at('debug', SlackLogLevel.DEBUG),
    info: at('info', SlackLogLevel.INFO),
    warn: at('warn', SlackLogLevel.WARN),
    error: at('error', SlackLogLevel.ERROR),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

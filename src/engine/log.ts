// The logger port: what the engine and the bot log through. pino's Logger fits it; the engine
// never imports pino. Bindings on a child (`upgrade`, `environment`, `node`, `service`,
// `phase`) are carried by every line it writes.

export interface LogFn {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const nothing: LogFn = () => undefined;

/** A logger that drops every line (library use, tests that do not read logs). */
export const silentLogger: Logger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  child: () => silentLogger,
};

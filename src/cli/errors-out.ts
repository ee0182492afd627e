// How an error reaches a user of the CLI: one line that names the problem. The stack is for
// the debug log only (LOG_LEVEL=debug or trace prints it to stderr after that line).

/** The error as one line: its message's first line, and what it says of its cause. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0] ?? '';
  const code = (error as { code?: unknown }).code;
  const first = error.message.split('\n')[0]?.trim() || error.name;
  const network =
    typeof code === 'string' &&
    /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EHOSTUNREACH)$/.test(code);
  if (network)
    return `cannot connect (${code}): ${first}; is the server (DATABASE_URL, the chat API) reachable?`;
  const cause =
    error.cause instanceof Error && !first.includes(error.cause.message)
      ? `: ${error.cause.message.split('\n')[0]}`
      : '';
  return `${first}${cause}`;
}

/** The stack, when the environment asks for debug output. */
export function debugStack(error: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (!/^(debug|trace)$/i.test(env.LOG_LEVEL ?? '')) return undefined;
  return error instanceof Error ? error.stack : undefined;
}

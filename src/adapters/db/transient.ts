// Which database errors pass: the server restarting, refusing or dropping connections, a
// connection timing out. A caller retries these after a pause; anything else is a bug or bad
// data and is reported as it is.

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Whether the error (or one of its causes) is the database being unreachable for a while. */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at && depth < 8; depth += 1) {
    const code = codeOf(at);
    if (code && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
    if (at instanceof Error && at.name === 'DatabaseTimeout') return true;
    at = at instanceof Error ? at.cause : undefined;
  }
  return false;
}

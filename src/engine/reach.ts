// Naming why a node could not be reached, for infrastructure failures:
// `could not reach cmp-3 (10.0.1.3:22): connection refused`.
import type { NodeRef } from './types.js';

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  level?: unknown;
  cause?: unknown;
}

function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth += 1) {
    found.push(e as ErrorLike);
    e = (e as ErrorLike).cause;
  }
  return found;
}

/** A short cause: connection refused or timed out, DNS, authentication, host key, dropped. */
export function reachCause(error: unknown): string {
  const errors = chain(error);
  const codes = errors.map((e) => (typeof e.code === 'string' ? e.code : ''));
  const text = errors.map((e) => (typeof e.message === 'string' ? e.message : '')).join(' | ');
  if (codes.includes('host_key_rejected') || /host key|Host denied/i.test(text)) {
    const own = errors.find((e) => e.code === 'host_key_rejected');
    return `host key rejected${typeof own?.message === 'string' ? ` (${own.message})` : ''}`;
  }
  if (codes.includes('ECONNREFUSED')) return 'connection refused';
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return 'DNS lookup failed';
  if (codes.includes('ETIMEDOUT') || /timed out|timeout/i.test(text)) return 'connection timed out';
  if (codes.includes('EHOSTUNREACH') || codes.includes('ENETUNREACH')) return 'host unreachable';
  if (errors.some((e) => e.level === 'client-authentication') || /authentication/i.test(text))
    return 'authentication failed';
  if (codes.includes('ECONNRESET') || /not connected|connection (lost|closed|reset)/i.test(text))
    return 'connection dropped';
  const last = errors.at(-1)?.message;
  return typeof last === 'string' && last !== '' ? last : String(error);
}

export function unreachable(node: NodeRef, error: unknown): string {
  return `could not reach ${node.name} (${node.host}:${node.port}): ${reachCause(error)}`;
}

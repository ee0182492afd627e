// A failure's fingerprint: nodes failing the same way share it, so they share one post.
import { createHash } from 'node:crypto';
import type { Phase } from './types.js';

/** Output with what differs between nodes (names, addresses, numbers, hashes) folded away. */
export function normalizeOutput(output: string, node: string, host: string): string {
  return output
    .split(node)
    .join('<node>')
    .split(host)
    .join('<host>')
    .replace(/\b[0-9a-f]{7,40}\b/gi, '<hex>')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(-512);
}

export function fingerprint(input: {
  service: string;
  phase: Phase | 'hook';
  exitCode: number | null;
  output: string;
  node: string;
  host: string;
}): string {
  const text = [
    input.service,
    input.phase,
    String(input.exitCode),
    normalizeOutput(input.output, input.node, input.host),
  ].join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

// Infrastructure failures name the cause: connection refused or timed out, DNS,
// authentication, host key, a dropped connection — from the errors ssh2 and the runner throw.
import { describe, expect, it } from 'vitest';
import { reachCause, unreachable } from '../../src/engine/reach.js';
import { HostKeyError, NodeUnreachableError } from '../../src/errors.js';

const wrapped = (cause: unknown) => new NodeUnreachableError('cmp-3', '10.0.1.3:22', { cause });
const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('why a node could not be reached', () => {
  it('names each cause in a few words', () => {
    expect(reachCause(wrapped(coded('connect ECONNREFUSED 10.0.1.3:22', 'ECONNREFUSED')))).toBe(
      'connection refused',
    );
    expect(reachCause(wrapped(new Error('Timed out while waiting for handshake')))).toBe(
      'connection timed out',
    );
    expect(reachCause(wrapped(coded('getaddrinfo ENOTFOUND cmp-3.lab', 'ENOTFOUND')))).toBe(
      'DNS lookup failed',
    );
    const auth = Object.assign(new Error('All configured authentication methods failed'), {
      level: 'client-authentication',
    });
    expect(reachCause(wrapped(auth))).toBe('authentication failed');
    expect(reachCause(new HostKeyError('host key of 10.0.1.3:22 changed (ssh-ed25519 SHA256:abc)'))).toBe(
      'host key rejected (host key of 10.0.1.3:22 changed (ssh-ed25519 SHA256:abc))',
    );
    expect(reachCause(wrapped(coded('read ECONNRESET', 'ECONNRESET')))).toBe('connection dropped');
  });

  it('says which node, at which address, and why', () => {
    const node = { name: 'cmp-3', host: '10.0.1.3', port: 22, user: 'stack', roles: [], labels: {} };
    expect(unreachable(node, wrapped(coded('connect ECONNREFUSED', 'ECONNREFUSED')))).toBe(
      'could not reach cmp-3 (10.0.1.3:22): connection refused',
    );
  });
});

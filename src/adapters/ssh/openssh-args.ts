// The system ssh's command line for a node: the operator's ssh_config (-F), then drover's
// settings, which win: batch mode, strict host keys against ssh.knownHosts, multiplexing
// through a ControlPath in drover's runtime directory, and drover's jump hosts as a chain of
// ProxyCommands (so each hop runs with the same settings and its own log).
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { Hop, NodeRef } from '../../engine/types.js';
import { shellQuote } from '../../shell/template.js';

/** drover's runtime directory (control sockets): $XDG_RUNTIME_DIR/drover, else /tmp/drover-<uid>. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.XDG_RUNTIME_DIR
    ? join(env.XDG_RUNTIME_DIR, 'drover')
    : join(tmpdir(), `drover-${userInfo().uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Options every ssh drover runs gets, for a node and for each of its hops. */
function common(ssh: Config['ssh'], trustNew: boolean): string[] {
  return [
    '-F',
    existsSync(ssh.config) ? ssh.config : 'none',
    '-o',
    'BatchMode=yes',
    '-o',
    `StrictHostKeyChecking=${trustNew ? 'accept-new' : 'yes'}`,
    '-o',
    `UserKnownHostsFile=${ssh.knownHosts}`,
    '-o',
    `ConnectTimeout=${seconds(ssh.connectTimeout)}`,
    '-o',
    `ServerAliveInterval=${seconds(ssh.keepalive)}`,
    ...(ssh.privateKey ? ['-i', ssh.privateKey] : []),
  ];
}

/** A ProxyCommand reaching `host:port` through `hops`; `%` doubled, as ssh expands it. */
function proxyCommand(ssh: Config['ssh'], hops: Hop[], host: string, port: number, logs: string[]): string {
  const hop = hops.at(-1)!;
  const before = hops.slice(0, -1);
  const words = [
    'ssh',
    ...common(ssh, false),
    '-E',
    logs[hops.length - 1] ?? '/dev/null',
    '-v',
    ...(before.length > 0
      ? ['-o', `ProxyCommand=${proxyCommand(ssh, before, hop.host, hop.port, logs)}`]
      : []),
    '-p',
    String(hop.port),
    '-l',
    hop.user,
    '-W',
    `${host.includes(':') ? `[${host}]` : host}:${port}`,
    hop.host,
  ];
  return words.map(shellQuote).join(' ').replace(/%/g, '%%');
}

export interface SshArgs {
  ssh: Config['ssh'];
  controlDir: string;
  /** Append new host keys (trust on first use) instead of refusing them. */
  trustNew?: boolean;
  /** Where each hop logs (-E), hop 1 first; /dev/null when not given. */
  hopLogs?: string[];
  /** `auto` to start (or join) the node's master connection, `no` to only use it. */
  master: 'auto' | 'no';
}

/** Arguments up to and including the host: add `-O check`, `-N -f` or the command after. */
export function sshArgs(node: NodeRef, options: SshArgs): { args: string[]; host: string } {
  const { ssh } = options;
  const hops = node.jump ?? [];
  return {
    args: [
      ...common(ssh, options.trustNew ?? false),
      '-o',
      `ControlMaster=${options.master}`,
      '-o',
      `ControlPath=${join(options.controlDir, '%C')}`,
      '-o',
      // ControlPersist 0 would keep the master forever; keepOpen 0 stops it when the session ends.
      `ControlPersist=${ssh.keepOpen > 0 ? `${seconds(ssh.keepOpen)}s` : `${seconds(ssh.connectTimeout) + 60}s`}`,
      ...(hops.length > 0
        ? ['-o', `ProxyCommand=${proxyCommand(ssh, hops, node.host, node.port, options.hopLogs ?? [])}`]
        : []),
      '-p',
      String(node.port),
      '-l',
      node.user,
    ],
    host: node.host,
  };
}

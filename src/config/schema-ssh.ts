// The `ssh:` section of drover.yaml and the jump hosts a node may name.
import { z } from 'zod';
import { duration } from './units.js';

const HOP = /^(?:([^@\s]+)@)?([^@:\s[\]]+|\[[^\]\s]+\])(?::(\d{1,5}))?$/;

/** A jump host: `user@host:port` (user and port optional) or `{host, port, user}`. */
export const hopSchema = z.union([
  z
    .string()
    .regex(HOP, 'expected a jump host such as ops@bastion.example.com:22')
    .transform((text) => {
      const [, user, host = '', port] = HOP.exec(text) ?? [];
      return {
        host: host.replace(/^\[(.*)\]$/, '$1'),
        ...(port === undefined ? {} : { port: Number(port) }),
        ...(user === undefined ? {} : { user }),
      };
    }),
  z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().min(1).optional(),
  }),
]);
export type HopInput = z.infer<typeof hopSchema>;

export const sshSchema = z.strictObject({
  user: z.string().min(1).describe('login user (a node’s `user` overrides it)'),
  port: z.number().int().min(1).max(65535).default(22).describe('default port; a node’s `port` overrides it'),
  privateKey: z
    .string()
    .min(1)
    .optional()
    .describe('key file; its passphrase, if any, from $DROVER_SSH_PASSPHRASE'),
  agent: z.boolean().default(false).describe('use the ssh agent at $SSH_AUTH_SOCK'),
  knownHosts: z
    .string()
    .min(1)
    .default('~/.ssh/known_hosts')
    .describe('host keys; unknown or changed keys are refused'),
  connectTimeout: duration.default(10_000).describe('default 10s'),
  keepalive: duration.default(15_000).describe('keepalive interval, default 15s'),
  keepOpen: duration
    .default(60_000)
    .describe(
      'how long an idle connection stays open for the node’s next unit or deploy, default 60s; 0s closes each after its unit',
    ),
  concurrency: z.number().int().min(1).max(1000).default(20).describe('nodes in flight at once, per wave'),
  batchPhases: z
    .boolean()
    .default(true)
    .describe(
      'send a unit’s phases (version, drain, upgrade, health, undrain) to its node as one POSIX sh script, one round trip; false: one exec per phase (for nodes without a POSIX sh)',
    ),
  transport: z
    .enum(['node-ssh', 'openssh'])
    .default('node-ssh')
    .describe('node-ssh (built in) or openssh (the system ssh, with ssh.config, ControlMaster for keepOpen)'),
  config: z
    .string()
    .min(1)
    .default('~/.ssh/config')
    .describe('openssh: the ssh_config file the system ssh reads (-F)'),
  jump: z
    .array(hopSchema)
    .default([])
    .describe('jump hosts for every node, in order (user@host:port); a node’s `jump` overrides'),
  outputTail: z
    .number()
    .int()
    .min(256)
    .max(1_048_576)
    .default(8192)
    .describe('bytes of stdout and of stderr kept per phase'),
});

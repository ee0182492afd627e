// The NodeRunner for `ssh.transport`: node-ssh (built in) or openssh (the system ssh).
import type { NodeRunner } from '../../engine/ports.js';
import { createOpensshRunner } from './openssh.js';
import { createSshRunner, type SshRunnerOptions } from './runner.js';

export function createNodeRunner(options: SshRunnerOptions): NodeRunner {
  return options.ssh.transport === 'openssh' ? createOpensshRunner(options) : createSshRunner(options);
}

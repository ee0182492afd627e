// Coded errors that say how to fix. One small class per code; `cause` is kept for logs.
// Every layer may import this file, so it imports nothing of drover.
export type ErrorCode =
  | 'config_invalid'
  | 'config_unreadable'
  | 'inventory_invalid'
  | 'active_upgrade_exists'
  | 'illegal_transition'
  | 'plan_refused'
  | 'node_unreachable'
  | 'host_key_rejected'
  | 'jump_failed'
  | 'database_locked'
  | 'not_found'
  | 'refused'
  | 'usage'
  | 'git_failed';

export interface ErrorOptions {
  cause?: unknown;
}

export class DroverError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem of drover.yaml, at the position of its key. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The dotted key path, e.g. `environments.production.nodes.0.port`. */
  path: string;
  message: string;
}

/** A config that cannot be used; `issues` lists every problem found, each with its position. */
export class ConfigError extends DroverError {
  constructor(
    readonly issues: ConfigIssue[],
    options?: ErrorOptions,
  ) {
    super('config_invalid', issues.map(formatIssue).join('\n'), options);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** The config file is not one drover reads: not a regular file, or too large. */
export class ConfigReadError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('config_unreadable', message, options);
  }
}

/** An inventory drover cannot use; the message names what and where. */
export class InventoryError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('inventory_invalid', message, options);
  }
}

/** The environment `drover serve` reads is incomplete or malformed; the message names the variable. */
export class ServeConfigError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('config_invalid', message, options);
  }
}

export class ActiveUpgradeExistsError extends DroverError {
  constructor(environment: string, upgradeId: number | undefined, options?: ErrorOptions) {
    super(
      'active_upgrade_exists',
      `environment ${environment} already has an active upgrade${upgradeId ? ` (#${upgradeId})` : ''}: finish, abort or roll it back first`,
      options,
    );
  }
}

export class IllegalTransitionError extends DroverError {
  constructor(what: string, from: string, to: string, options?: ErrorOptions) {
    super('illegal_transition', `${what} cannot go from ${from} to ${to}`, options);
  }
}

export class PlanRefusedError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('plan_refused', message, options);
  }
}

export class NotFoundError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('not_found', message, options);
  }
}

/** A verb that is valid but not now (e.g. `step` while failures are unacknowledged). */
export class RefusedError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('refused', message, options);
  }
}

export class NodeUnreachableError extends DroverError {
  constructor(node: string, address: string, options?: ErrorOptions) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('node_unreachable', `cannot reach node ${node} at ${address}${detail}`, options);
  }
}

export class HostKeyError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('host_key_rejected', message, options);
  }
}

/** A jump host that could not be passed: which one, and why. Host key refusals stay HostKeyErrors. */
export class JumpError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('jump_failed', message, options);
  }
}

export class DatabaseLockedError extends DroverError {
  constructor(directory: string, holder: string, options?: ErrorOptions) {
    super(
      'database_locked',
      `the embedded database in ${directory} is open in another drover process (${holder}); stop it, or set DATABASE_URL to share a PostgreSQL server`,
      options,
    );
  }
}

/** Malformed input: the message is a usage line. Nothing changed. */
export class UsageError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('usage', message, options);
  }
}

/** The deploy repository could not answer: not a repository, an unknown ref, git missing. */
export class GitError extends DroverError {
  constructor(message: string, options?: ErrorOptions) {
    super('git_failed', message, options);
  }
}

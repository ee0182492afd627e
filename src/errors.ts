// Coded errors that say how to fix. One small class per code; `cause` is kept for logs.
export type ErrorCode =
  | 'config_invalid'
  | 'active_upgrade_exists'
  | 'illegal_transition'
  | 'plan_refused'
  | 'node_unreachable'
  | 'host_key_rejected'
  | 'database_locked'
  | 'not_found'
  | 'refused'
  | 'usage'
  | 'git_failed';

export class DroverError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ActiveUpgradeExistsError extends DroverError {
  constructor(environment: string, upgradeId: number | undefined, options?: { cause?: unknown }) {
    super(
      'active_upgrade_exists',
      `environment ${environment} already has an active upgrade${upgradeId ? ` (#${upgradeId})` : ''}: finish, abort or roll it back first`,
      options,
    );
  }
}

export class IllegalTransitionError extends DroverError {
  constructor(what: string, from: string, to: string) {
    super('illegal_transition', `${what} cannot go from ${from} to ${to}`);
  }
}

export class PlanRefusedError extends DroverError {
  constructor(message: string) {
    super('plan_refused', message);
  }
}

export class NotFoundError extends DroverError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** A verb that is valid but not now (e.g. `step` while failures are unacknowledged). */
export class RefusedError extends DroverError {
  constructor(message: string) {
    super('refused', message);
  }
}

export class NodeUnreachableError extends DroverError {
  constructor(node: string, address: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('node_unreachable', `cannot reach node ${node} at ${address}${detail}`, options);
  }
}

export class HostKeyError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('host_key_rejected', message, options);
  }
}

export class DatabaseLockedError extends DroverError {
  constructor(directory: string, holder: string) {
    super(
      'database_locked',
      `the embedded database in ${directory} is open in another drover process (${holder}); stop it, or set DATABASE_URL to share a PostgreSQL server`,
    );
  }
}

/** Malformed input: the message is a usage line. Nothing changed. */
export class UsageError extends DroverError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** The deploy repository could not answer: not a repository, an unknown ref, git missing. */
export class GitError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('git_failed', message, options);
  }
}

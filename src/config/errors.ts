export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The dotted key path, e.g. `environments.production.nodes.0.port`. */
  path: string;
  message: string;
}

/** A config that cannot be used; `issues` lists every problem found, each with its position. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly issues: ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map(formatIssue).join('\n'), options);
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

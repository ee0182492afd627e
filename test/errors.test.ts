import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';
import { ConfigError, type ConfigIssue, DroverError, formatIssue } from '../src/errors.js';

/** Every exported DroverError subclass; the last parameter of each constructor is `{ cause }`. */
type Coded = new (...args: unknown[]) => DroverError;
const classes: Array<[string, Coded]> = Object.entries(errors).flatMap(([name, value]) =>
  typeof value === 'function' && value.prototype instanceof DroverError ? [[name, value as Coded]] : [],
);

describe('coded errors', () => {
  it('are all here, each a DroverError with its own name and code, keeping the cause', () => {
    expect(classes.map(([name]) => name).sort()).toEqual([
      'ActiveUpgradeExistsError',
      'ConfigError',
      'ConfigReadError',
      'DatabaseLockedError',
      'GitError',
      'HostKeyError',
      'IllegalTransitionError',
      'InventoryError',
      'JumpError',
      'NodeUnreachableError',
      'NotFoundError',
      'PlanRefusedError',
      'RefusedError',
      'ServeConfigError',
      'UsageError',
    ]);
    const cause = new Error('underneath');
    for (const [name, Class] of classes) {
      const args: unknown[] = name === 'ConfigError' ? [[]] : ['a', 'b', 'c'].slice(0, Class.length - 1);
      const error = new Class(...args, { cause });
      expect(error, name).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.cause, name).toBe(cause);
      expect(typeof error.code).toBe('string');
    }
  });

  it('a ConfigError keeps every issue and says each with its position', () => {
    const issues: ConfigIssue[] = [
      { file: 'drover.yaml', line: 3, column: 5, path: 'nodes.0.port', message: 'expected a number' },
      { file: 'drover.yaml', line: 0, column: 0, path: '', message: 'cannot read the config' },
    ];
    const error = new ConfigError(issues);
    expect(error).toBeInstanceOf(DroverError);
    expect(error.code).toBe('config_invalid');
    expect(error.issues).toEqual(issues);
    expect(error.message).toBe(
      'drover.yaml:3:5: nodes.0.port: expected a number\ndrover.yaml: cannot read the config',
    );
    expect(
      formatIssue({
        file: 'drover.yaml',
        line: 3,
        column: 5,
        path: 'nodes.0.port',
        message: 'expected a number',
      }),
    ).toBe('drover.yaml:3:5: nodes.0.port: expected a number');
  });
});

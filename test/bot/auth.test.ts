import { describe, expect, it } from 'vitest';
import { mayRun, refusalText, rolesOf } from '../../src/bot/auth.js';
import { VERB_TABLE } from '../../src/bot/grammar.js';
import type { Actor } from '../../src/engine/types.js';
import { openstackConfig } from '../support/config.js';

const config = openstackConfig({
  extra: `people:
  - { email: dev@example.com, name: Dev, slack: U0DEV }
  - { email: ops@example.com, name: Ops, slack: U0OPS, discord: "222" }
`,
});
// The test config lists operators { slack: [U0OPS] } and developers { slack: [U0DEV] }.
const withDiscord = {
  ...config,
  operators: { ...config.operators, discord: ['111'], discordRoles: ['R-OPS'] },
  developers: { ...config.developers, discord: ['333'], discordRoles: ['R-DEV'] },
};

const actor = (id: string, name = 'someone'): Actor => ({
  id,
  platform: id.split(':')[0] as Actor['platform'],
  name,
});

describe('authorization', () => {
  const matrix: Array<[string, Actor, Record<'operator' | 'developer' | 'anyone', boolean>]> = [
    ['a Slack operator', actor('slack:U0OPS'), { operator: true, developer: true, anyone: true }],
    ['a Slack developer', actor('slack:U0DEV'), { operator: false, developer: true, anyone: true }],
    ['a Slack stranger', actor('slack:U9X'), { operator: false, developer: false, anyone: true }],
    ['a Discord operator', actor('discord:111'), { operator: true, developer: true, anyone: true }],
    ['a Discord developer', actor('discord:333'), { operator: false, developer: true, anyone: true }],
    ['a Discord stranger', actor('discord:999'), { operator: false, developer: false, anyone: true }],
    ['the CLI', actor('cli:me@host'), { operator: true, developer: true, anyone: true }],
    [
      'the console person of an operator',
      actor('console:person:ops@example.com'),
      { operator: true, developer: true, anyone: true },
    ],
    [
      'the console person of a developer',
      actor('console:person:dev@example.com'),
      { operator: false, developer: true, anyone: true },
    ],
    [
      'a console person nobody knows',
      actor('console:person:x@example.com'),
      { operator: false, developer: false, anyone: true },
    ],
  ];
  for (const [who, subject, expected] of matrix) {
    it(`${who}: ${JSON.stringify(expected)}`, () => {
      for (const role of ['operator', 'developer', 'anyone'] as const)
        expect(mayRun(withDiscord, subject, role), role).toBe(expected[role]);
    });
  }

  it('goes by chat id, never by display name', () => {
    expect(mayRun(config, actor('slack:U9X', 'U0OPS'), 'operator')).toBe(false);
    expect(mayRun(config, actor('slack:U9X', 'Ops'), 'developer')).toBe(false);
    // A Slack id is not a Discord id.
    expect(mayRun(withDiscord, actor('discord:U0OPS'), 'operator')).toBe(false);
  });

  it('grants Discord roles to members holding a configured role id', () => {
    expect(mayRun(withDiscord, actor('discord:999'), 'operator', { discordRoles: ['R-OPS'] })).toBe(true);
    expect(mayRun(withDiscord, actor('discord:999'), 'operator', { discordRoles: ['R-DEV'] })).toBe(false);
    expect(mayRun(withDiscord, actor('discord:999'), 'developer', { discordRoles: ['R-DEV'] })).toBe(true);
    // Roles are Discord's: a Slack actor carrying them gains nothing.
    expect(rolesOf(withDiscord, actor('slack:U9X'), { discordRoles: ['R-OPS'] }).has('operator')).toBe(false);
  });

  it('per environment: an environment’s own lists replace the top-level ones there, and a refusal names them', () => {
    const perEnv = openstackConfig({
      extra: `people:
  - { email: ops@example.com, name: Ops, slack: U0OPS }
`,
    });
    const prod = {
      ...perEnv,
      environments: {
        ...perEnv.environments,
        production: {
          ...perEnv.environments.lab!,
          operators: { slack: ['U0PROD'], discord: [], discordRoles: ['R-PROD'] },
          developers: { slack: ['U0PRODDEV'], discord: [], discordRoles: [] },
        },
      },
    };
    // The top-level operator runs lab, not production; production's operator is only that.
    expect(mayRun(prod, actor('slack:U0OPS'), 'operator', {}, 'lab')).toBe(true);
    expect(mayRun(prod, actor('slack:U0OPS'), 'operator', {}, 'production')).toBe(false);
    expect(mayRun(prod, actor('slack:U0PROD'), 'operator', {}, 'production')).toBe(true);
    expect(mayRun(prod, actor('slack:U0PROD'), 'operator', {}, 'lab')).toBe(false);
    expect(mayRun(prod, actor('discord:42'), 'operator', { discordRoles: ['R-PROD'] }, 'production')).toBe(
      true,
    );
    // Developers likewise; operators are developers too; the CLI stays trusted everywhere.
    expect(mayRun(prod, actor('slack:U0DEV'), 'developer', {}, 'production')).toBe(false);
    expect(mayRun(prod, actor('slack:U0PRODDEV'), 'developer', {}, 'production')).toBe(true);
    expect(mayRun(prod, actor('slack:U0PROD'), 'developer', {}, 'production')).toBe(true);
    expect(mayRun(prod, actor('cli:me@host'), 'operator', {}, 'production')).toBe(true);
    // An environment drover does not know falls back to the top-level lists.
    expect(mayRun(prod, actor('slack:U0OPS'), 'operator', {}, 'nowhere')).toBe(true);
    expect(refusalText(prod, 'start', 'operator', 'production')).toBe(
      'only operators of production may start; ask one of them, or get added to `environments.production.operators:` in drover.yaml',
    );
    expect(refusalText(prod, 'start', 'operator', 'lab')).toBe(
      'only operators may start; ask one of them, or get added to `operators:` in drover.yaml',
    );
    expect(refusalText(prod, 'audit', 'developer', 'production')).toMatch(
      /environments\.production\.developers/,
    );
  });

  it('maps every verb to operators, developers or anyone as PRODUCT.md says', () => {
    const who = Object.fromEntries(VERB_TABLE.map((spec) => [spec.verb, spec.who]));
    expect(who).toEqual({
      start: 'operator',
      plan: 'anyone',
      step: 'operator',
      status: 'anyone',
      pause: 'operator',
      resume: 'operator',
      rollback: 'operator',
      abort: 'operator',
      retry: 'operator',
      skip: 'operator',
      ack: 'developer',
      digest: 'anyone',
      approve: 'operator',
      reject: 'operator',
      lock: 'operator',
      unlock: 'operator',
      audit: 'developer',
      help: 'anyone',
    });
  });
});

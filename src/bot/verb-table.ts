// The `/upgrade` verbs (PRODUCT.md, "Commands"): who may run each, its arguments and its help.
// The grammar parses by this table; authorization, help, Discord's subcommands, the CLI's
// flags and docs/commands.md are derived from it.

export type Role = 'operator' | 'developer' | 'anyone';

export interface VerbSpec {
  verb: Verb;
  args: string;
  who: Role;
  help: string;
}

export const VERBS = [
  'start',
  'plan',
  'step',
  'status',
  'pause',
  'resume',
  'rollback',
  'abort',
  'retry',
  'skip',
  'ack',
  'digest',
  'approve',
  'reject',
  'lock',
  'unlock',
  'audit',
  'help',
] as const;
export type Verb = (typeof VERBS)[number];

export const VERB_TABLE: readonly VerbSpec[] = [
  {
    verb: 'start',
    args: '<release> [env=E] [strategy=rolling|waves|all-at-once] [batch=N|N%] [auto] [override="<reason>"]',
    who: 'operator',
    help: 'plan and start an upgrade; posts the upgrade message with its plan',
  },
  {
    verb: 'plan',
    args: '<release> [env=E] [strategy=…] [batch=N|N%] [auto]',
    who: 'anyone',
    help: 'dry run: the waves, the order, the version skew, no side effects',
  },
  {
    verb: 'step',
    args: '[env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 'start the next wave (when gated)',
  },
  { verb: 'status', args: '[id] [env=E]', who: 'anyone', help: 'progress of the active upgrade(s)' },
  {
    verb: 'pause',
    args: '[env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 'stop dispatching new nodes',
  },
  {
    verb: 'resume',
    args: '[env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 'go on after a pause',
  },
  {
    verb: 'rollback',
    args: '[wave|all] [env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 'roll back the current wave or every upgraded node, in reverse order',
  },
  {
    verb: 'abort',
    args: '[env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 'stop for good; nodes stay as they are, recorded',
  },
  {
    verb: 'retry',
    args: '<node>|hook [env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 're-run a failed node from its failed phase; `retry hook` re-runs the failed hook',
  },
  {
    verb: 'skip',
    args: '<node>|hook [env=E] [id=N] [override="<reason>"]',
    who: 'operator',
    help: 'leave a failed or pending node out of the upgrade; `skip hook` goes on without the failed hook',
  },
  {
    verb: 'ack',
    args: '[failure-id] [note…]',
    who: 'developer',
    help: 'acknowledge a failure (also: the button, or a thread reply `ack`)',
  },
  {
    verb: 'digest',
    args: '[env=E]',
    who: 'anyone',
    help: 'post the environment’s digest now, to its channels',
  },
  {
    verb: 'approve',
    args: '<request-id>',
    who: 'operator',
    help: 'approve a request (not your own); once enough operators have, it is carried out as the requester',
  },
  {
    verb: 'reject',
    args: '<request-id> [reason]',
    who: 'operator',
    help: 'reject a request (not your own); nothing is carried out',
  },
  {
    verb: 'lock',
    args: '[env=E] <reason>',
    who: 'operator',
    help: 'hold an environment: nobody else may start or step there until it is unlocked',
  },
  {
    verb: 'unlock',
    args: '[env=E] [force]',
    who: 'operator',
    help: 'release your lock; `force` breaks someone else’s (announced in the channel)',
  },
  {
    verb: 'audit',
    args: '[env=E] [n=20]',
    who: 'developer',
    help: 'the latest audit entries, newest first',
  },
  { verb: 'help', args: '[verb]', who: 'anyone', help: 'the command reference' },
];

/** Verbs that change something: they take `override="<reason>"` to pass a freeze window. */
export const OVERRIDABLE: ReadonlySet<Verb> = new Set([
  'start',
  'step',
  'pause',
  'resume',
  'rollback',
  'abort',
  'retry',
  'skip',
]);

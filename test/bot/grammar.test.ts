import { describe, expect, it } from 'vitest';
import { commandForButton } from '../../src/bot/buttons.js';
import {
  helpText,
  parseCommand,
  renderCommandReference,
  tokenize,
  usageOf,
  VERB_TABLE,
  VERBS,
} from '../../src/bot/grammar.js';
import { UsageError } from '../../src/errors.js';

const usage = (text: string): string => {
  try {
    parseCommand(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`"${text}" parsed, a usage error was expected`);
};

describe('the /upgrade grammar', () => {
  it('parses start and plan with every option, with or without the leading /upgrade', () => {
    expect(parseCommand('/upgrade start havana env=prod strategy=waves batch=10% auto')).toEqual({
      verb: 'start',
      release: 'havana',
      env: 'prod',
      strategy: 'waves',
      batch: '10%',
      auto: true,
    });
    expect(parseCommand('upgrade plan havana batch=3')).toEqual({
      verb: 'plan',
      release: 'havana',
      batch: '3',
    });
    expect(parseCommand('  START havana  ')).toEqual({ verb: 'start', release: 'havana' });
  });

  it('parses the gate and lifecycle verbs with env= and id=', () => {
    for (const verb of ['step', 'pause', 'resume', 'abort'] as const) {
      expect(parseCommand(verb)).toEqual({ verb });
      expect(parseCommand(`${verb} env=lab id=4`)).toEqual({ verb, env: 'lab', id: 4 });
    }
    expect(parseCommand('digest env=lab')).toEqual({ verb: 'digest', env: 'lab' });
    expect(parseCommand('status')).toEqual({ verb: 'status' });
    expect(parseCommand('status #12')).toEqual({ verb: 'status', id: 12 });
    expect(parseCommand('status env=lab')).toEqual({ verb: 'status', env: 'lab' });
  });

  it('parses rollback scopes, retry and skip of a node', () => {
    expect(parseCommand('rollback')).toEqual({ verb: 'rollback', scope: 'wave' });
    expect(parseCommand('rollback all id=2')).toEqual({ verb: 'rollback', scope: 'all', id: 2 });
    expect(parseCommand('rollback scope=all')).toEqual({ verb: 'rollback', scope: 'all' });
    expect(parseCommand('retry cmp-3')).toEqual({ verb: 'retry', node: 'cmp-3' });
    expect(parseCommand('skip cmp-3 env=lab')).toEqual({ verb: 'skip', node: 'cmp-3', env: 'lab' });
  });

  it('parses ack with an id, a quoted note, or neither', () => {
    expect(parseCommand('ack')).toEqual({ verb: 'ack' });
    expect(parseCommand('ack 12 "rebooted the host"')).toEqual({
      verb: 'ack',
      failure: 12,
      note: 'rebooted the host',
    });
    expect(parseCommand('ack #7 looking into it')).toEqual({
      verb: 'ack',
      failure: 7,
      note: 'looking into it',
    });
    expect(parseCommand('ack on it env=lab')).toEqual({ verb: 'ack', note: 'on it', env: 'lab' });
  });

  it('parses help with an optional verb', () => {
    expect(parseCommand('help')).toEqual({ verb: 'help' });
    expect(parseCommand('/upgrade help start')).toEqual({ verb: 'help', topic: 'start' });
  });

  it('answers malformed input with the usage line of the verb', () => {
    expect(usage('')).toBe(usageOf(undefined));
    expect(usage('/upgrade')).toMatch(/^usage: \/upgrade <start\|plan\|/);
    expect(usage('frobnicate')).toMatch(/^unknown verb "frobnicate"/);
    expect(usage('start')).toBe(`say which release. ${usageOf('start')}`);
    expect(usage('start havana strategy=sideways')).toContain(usageOf('start'));
    expect(usage('start havana batch=lots')).toMatch(/batch: N or N%/);
    expect(usage('start havana colour=red')).toMatch(/^unknown option colour/);
    expect(usage('start havana id=3')).toMatch(/^start takes no id/);
    expect(usage('start havana grizzly')).toMatch(/^unexpected "grizzly"/);
    expect(usage('plan')).toContain('usage: /upgrade plan <release>');
    expect(usage('retry')).toBe(`say which node. ${usageOf('retry')}`);
    expect(usage('skip "two words"')).toContain(usageOf('skip'));
    expect(usage('rollback some')).toBe(`roll back a wave or all. ${usageOf('rollback')}`);
    expect(usage('step now')).toContain(usageOf('step'));
    expect(usage('pause id=zero')).toContain(usageOf('pause'));
    expect(usage('status abc')).toContain(usageOf('status'));
    expect(usage('digest id=3')).toContain(usageOf('digest'));
    expect(usage('start havana env=$(rm -rf /)')).toContain(usageOf('start'));
  });

  it('keeps quoted words together', () => {
    expect(tokenize(`ack 3 "a b" 'c d' e`)).toEqual(['ack', '3', 'a b', 'c d', 'e']);
  });

  it('has one table entry per verb, which help and the reference both print', () => {
    expect(VERB_TABLE.map((spec) => spec.verb)).toEqual([...VERBS]);
    const reference = renderCommandReference();
    const help = helpText();
    for (const spec of VERB_TABLE) {
      expect(reference).toContain(`| \`${spec.verb} ${spec.args}\` |`);
      expect(help).toContain(`/upgrade ${spec.verb} ${spec.args}`);
    }
    expect(helpText('ack')).toMatch(/developers\)$/);
    expect(helpText('nope')).toMatch(/^no verb "nope"/);
  });
});

describe('buttons', () => {
  it('turn into the command they stand for, refusing values they do not carry', () => {
    expect(commandForButton('ack', 'failure:7')).toEqual({ verb: 'ack', failure: 7 });
    expect(commandForButton('retry', '3:cmp-1')).toEqual({ verb: 'retry', node: 'cmp-1', id: 3 });
    expect(commandForButton('skip', '3:cmp-1')).toEqual({ verb: 'skip', node: 'cmp-1', id: 3 });
    expect(commandForButton('rollback', '3')).toEqual({ verb: 'rollback', scope: 'wave', id: 3 });
    expect(commandForButton('ack', 'node:7')).toBeUndefined();
    expect(commandForButton('retry', '3')).toBeUndefined();
    expect(commandForButton('retry', '3:failure:7')).toEqual({ verb: 'retry', failure: 7, id: 3 });
    expect(commandForButton('skip', '3:failure:7')).toEqual({ verb: 'skip', failure: 7, id: 3 });
    expect(commandForButton('retry', '3:failure:x')).toBeUndefined();
    expect(commandForButton('rollback', 'x')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { makeProbe, restore, verdictOf } from '../../src/engine/culprit-probe.js';
import type { Command, NodeSession } from '../../src/engine/ports.js';
import type { Phase, PhaseResult } from '../../src/engine/types.js';

const result = (exitCode: number | null, interrupted: PhaseResult['interrupted'] = null): PhaseResult => ({
  exitCode,
  signal: null,
  stdoutTail: '',
  stderrTail: '',
  durationMs: 1,
  interrupted,
});

/** A node: what each command text answers, and what it was asked, in order. */
function fakeNode(answers: Record<string, PhaseResult>) {
  const ran: string[] = [];
  const session: NodeSession = {
    async run(command) {
      ran.push(command.text);
      const answer = answers[command.text];
      if (!answer) throw new Error(`no answer for ${command.text}`);
      return answer;
    },
    async close() {},
  };
  return { session, ran };
}

const cmd = (phase: Phase, text: string): Command => ({ phase, text, timeoutMs: 1000 });
const upgrade = (sha: string) => cmd('upgrade', `upgrade ${sha}`);
const health = (sha: string) => cmd('health', `health ${sha}`);

describe('probing a node', () => {
  it('maps results like git bisect run: 0 good, 125 or a dropped connection skip, else bad', () => {
    expect(verdictOf(result(0))).toBe('good');
    expect(verdictOf(result(1))).toBe('bad');
    expect(verdictOf(result(125))).toBe('skip');
    expect(verdictOf(result(null, 'connection'))).toBe('skip');
    expect(verdictOf(result(null, 'timeout'))).toBe('bad');
  });

  it('deploys then runs the failing phase; a commit that does not deploy is skipped', async () => {
    const node = fakeNode({
      'upgrade a': result(0),
      'health a': result(1),
      'upgrade b': result(2),
    });
    const { probe, recheck } = makeProbe({
      session: node.session,
      upgradeCommand: upgrade,
      phaseCommand: health,
    });
    expect((await probe('a')).verdict).toBe('bad');
    expect((await recheck('a')).verdict).toBe('bad');
    expect((await probe('b')).verdict).toBe('skip');
    expect(node.ran).toEqual(['upgrade a', 'health a', 'health a', 'upgrade b']);
  });

  it('takes the deploy as the verdict when the upgrade phase itself failed', async () => {
    const node = fakeNode({ 'upgrade a': result(0), 'upgrade b': result(3) });
    const { probe } = makeProbe({ session: node.session, upgradeCommand: upgrade, phaseCommand: upgrade });
    expect((await probe('a')).verdict).toBe('good');
    expect((await probe('b')).verdict).toBe('bad');
    expect(node.ran).toEqual(['upgrade a', 'upgrade b']);
  });

  it('restores the node and says so when restoring fails, without throwing', async () => {
    const node = fakeNode({ 'upgrade ok': result(0), 'upgrade down': result(null, 'connection') });
    expect(await restore(node.session, upgrade, 'ok')).toBeUndefined();
    expect(await restore(node.session, upgrade, 'down')).toBe(
      'restoring the node to down failed (connection)',
    );
    expect(await restore(node.session, upgrade, 'missing')).toMatch(
      /failed \(no answer for upgrade missing\)/,
    );
  });
});

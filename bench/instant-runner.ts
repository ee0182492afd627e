// A fleet that answers at once, below SSH: a `NodeRunner` whose nodes run no process and
// answer each phase (or a unit's whole batch) on the next turn of the event loop. Used by the
// scale benchmark so that 10,000 units measure drover's own cost (engine, database, process),
// not sshd's. A node reports the commit it was last upgraded to (`{{commit}}`, the last word
// of the upgrade command), the seed commit before that.
import type { Batch, BatchResult, BatchStep, Command, NodeRunner, NodeSession } from '../src/engine/ports.js';
import type { NodeRef, PhaseResult } from '../src/engine/types.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const answer = (stdout: string): PhaseResult => ({
  exitCode: 0,
  signal: null,
  stdoutTail: stdout,
  stderrTail: '',
  durationMs: 0,
  interrupted: null,
});

export interface InstantFleet {
  runner: NodeRunner;
  /** Sessions opened, commands run (a batch counts once), upgrades done. */
  counts(): { sessions: number; execs: number; upgrades: number };
}

export function instantFleet(seed: string, batching: boolean): InstantFleet {
  const versions = new Map<string, string>();
  let sessions = 0;
  let execs = 0;
  let upgrades = 0;
  const phase = (node: string, command: Command): PhaseResult => {
    if (command.phase === 'version') return answer(`${versions.get(node) ?? seed}\n`);
    if (command.phase === 'upgrade') {
      const words = command.text.trim().split(/\s+/);
      versions.set(node, words[words.length - 1]!.replace(/'/g, ''));
      upgrades += 1;
    }
    return answer('');
  };
  const session = (node: NodeRef): NodeSession => ({
    async run(command) {
      execs += 1;
      await turn();
      return phase(node.name, command);
    },
    ...(batching
      ? {
          async runBatch(batch: Batch, onStep: (step: BatchStep) => void): Promise<BatchResult> {
            execs += 1;
            await turn();
            const steps: BatchStep[] = [];
            const step = (command: Command & { phase: BatchStep['phase'] }) => {
              const done = { phase: command.phase, result: phase(node.name, command) };
              steps.push(done);
              onStep(done);
            };
            if (batch.version) {
              step(batch.version);
              const found = steps[0]!.result.stdoutTail.trim();
              const gate = batch.gate;
              const go =
                gate !== undefined &&
                !gate.stopNames.includes(found) &&
                !gate.stopShas.some((sha) => found.length >= 7 && sha.startsWith(found)) &&
                (gate.goNames.includes(found) ||
                  gate.goShas.some((sha) => found.length >= 7 && sha.startsWith(found)));
              if (!go) return { steps, stopped: true };
            }
            for (const command of batch.phases) step(command);
            return { steps, stopped: false };
          },
        }
      : {}),
    async close() {},
  });
  return {
    runner: {
      async open(node) {
        sessions += 1;
        await turn();
        return session(node);
      },
      async close() {},
    },
    counts: () => ({ sessions, execs, upgrades }),
  };
}

// What a contender in the benchmark is: one function from a scenario to a measurement, or
// the reason it could not run.
import type { OpensshFleet } from '../test/support/fleet/openssh.js';
import type { Measurement } from './measure.js';

export interface Scenario {
  label: string;
  fleet: OpensshFleet;
  concurrency: number;
  /** The upgrade template ({{service}}, {{commit}}); health is the kit's. */
  upgradeTemplate: string;
  /** The commit the baselines deploy; a contender that deploys another one says so here. */
  commit: string;
  expectCommit(commit: string): void;
  /** Puts every node back as it was before the contender ran (its version, no logs). */
  resetFleet(): void;
  timeoutMs: number;
  /** Options for drover's `node` (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}

export type Outcome = Measurement | { unavailable: string };

export interface Contender {
  name: string;
  run(scenario: Scenario): Promise<Outcome>;
}

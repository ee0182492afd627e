// Which commit a pinned start (the deploy webhook, `--commit`) may deploy: one reachable
// from the release's ref — never an unmerged side branch — and not older than what the
// environment runs unless the caller says the downgrade is meant.
import type { Config } from '../config/schema.js';
import { PlanRefusedError } from '../errors.js';
import { own } from './lookup.js';

export interface Ancestry {
  resolve(ref: string): Promise<string>;
  /** Whether `sha` is reachable from `ref`. */
  contains(ref: string, sha: string): Promise<boolean>;
}

export interface ProvenanceInput {
  config: Config;
  release: string;
  /** The release's ref (`releases.<name>.ref`). */
  ref: string;
  /** The full sha to deploy. */
  commit: string;
  /** What the environment's nodes report: release names or commit shas. */
  running: Iterable<string>;
  allowDowngrade: boolean;
}

const SHA = /^[0-9a-f]{7,40}$/i;

export async function checkProvenance(git: Ancestry, input: ProvenanceInput): Promise<void> {
  const short = input.commit.slice(0, 7);
  if (!(await git.contains(input.ref, input.commit)))
    throw new PlanRefusedError(
      `commit ${short} is not reachable from ${input.ref} (release ${input.release}): merge it into the release first`,
    );
  if (input.allowDowngrade) return;
  for (const version of new Set(input.running)) {
    // A release name stands for its ref; anything else that is not a sha cannot be compared.
    const ref = own(input.config.releases.named, version)?.ref ?? (SHA.test(version) ? version : undefined);
    if (ref === undefined) continue;
    let runs: string;
    try {
      runs = await git.resolve(ref);
    } catch {
      // A version the repository does not know (a local build): nothing to compare it with.
      continue;
    }
    if (runs !== input.commit && (await git.contains(runs, input.commit)))
      throw new PlanRefusedError(
        `commit ${short} is older than ${version === runs ? runs.slice(0, 7) : `${version} (${runs.slice(0, 7)})`}, which the environment runs: a downgrade; send "allowDowngrade": true to deploy it anyway`,
      );
  }
}

// The skew policy: releases are ordered; a plan may neither skip a release nor leave
// services more than `maxSkew` releases apart while it runs.
import type { Config } from '../config/schema.js';
import { PlanRefusedError } from '../errors.js';
import { own } from './lookup.js';
import type { VersionGate } from './ports.js';
import type { Plan } from './types.js';

interface VersionNames {
  config: Config;
  release: string;
  from?: string | undefined;
  commit?: string | undefined;
  fromCommit?: string | undefined;
}

const sameCommit = (a: string, b: string | undefined) => b !== undefined && a.length >= 7 && b.startsWith(a);

/** The release a reported version stands for: a release name, or the target's or from's commit. */
export function releaseOf(version: string, names: VersionNames): string | undefined {
  const trimmed = version.trim();
  if (names.config.releases.order.includes(trimmed)) return trimmed;
  if (sameCommit(trimmed, names.commit)) return names.release;
  if (sameCommit(trimmed, names.fromCommit))
    return names.from ?? own(names.config.releases.named, names.release)?.from;
  return undefined;
}

/**
 * Whether a reported version is what a plan deploys. A pinned deploy (one commit, the
 * continuous-deployment model) is reached only by that commit: a node reporting the release's
 * name, or another commit of it, may run an older commit of the same release.
 */
export function isTarget(version: string, names: VersionNames & { pinned: boolean }): boolean {
  if (names.pinned) return sameCommit(version.trim(), names.commit);
  return releaseOf(version, names) === names.release;
}

export type VersionClass = { at: 'target' } | { at: 'from' } | { at: 'skew'; why: string };

/**
 * What the `version` probe before a unit means: the target; `from` (its release or a commit of
 * the range it upgrades, `range` being those commits' shas) → upgraded; anything else (an older
 * or newer release, a value not in `releases.order`) → skew, with what it would need first.
 */
export function classifyVersion(
  version: string,
  names: VersionNames & { pinned: boolean; service: string },
  range: ReadonlySet<string>,
): VersionClass {
  if (isTarget(version, names)) return { at: 'target' };
  const trimmed = version.trim();
  const release = releaseOf(trimmed, names);
  const from = names.from ?? own(names.config.releases.named, names.release)?.from;
  if (release !== undefined && (release === from || release === names.release)) return { at: 'from' };
  if (trimmed.length >= 7 && [...range].some((sha) => sha.startsWith(trimmed))) return { at: 'from' };
  const order = names.config.releases.order;
  const target = names.pinned && names.commit ? names.commit.slice(0, 7) : names.release;
  if (release === undefined)
    return {
      at: 'skew',
      why: `${names.service} runs "${trimmed.slice(0, 40)}", which is not a release of releases.order (${order.join(', ')}) nor a commit of ${from ?? '?'}..${names.release}: find out what it runs and bring it to ${from ?? 'the previous release'} before ${target}`,
    };
  const newer = order.indexOf(release) > order.indexOf(names.release);
  return {
    at: 'skew',
    why: newer
      ? `${names.service} runs ${release}, newer than ${target}: not touched`
      : `${names.service} runs ${release}; ${target} upgrades from ${from ?? 'nothing'}: upgrade it to ${from ?? 'that release'} first`,
  };
}

export interface SkewInput extends VersionNames {
  environment: string;
  order: string[];
  versions: Map<string, Map<string, string>>;
}

export function checkSkew(input: SkewInput): Plan['skew'] {
  const { config, release, from } = input;
  const rank = (name: string) => config.releases.order.indexOf(name);
  const target = rank(release);
  const env = own(config.environments, input.environment)!;
  const problems: string[] = [];
  const skew: Plan['skew'] = [];
  let lowest: { rank: number; who: string } | undefined;
  for (const service of input.order) {
    const roles = own(config.services, service)!.roles;
    // Versions are what nodes print: counted in maps, so `constructor` or `__proto__` is a name.
    const before = new Map<string, number>();
    const after = new Map<string, number>();
    for (const node of env.nodes.filter((n) => n.roles.some((role) => roles.includes(role)))) {
      const reported = input.versions.get(node.name)?.get(service);
      // No record: shown as `unknown`, never assumed to be `from` (the version probe decides).
      const current = reported === undefined ? 'unknown' : (releaseOf(reported, input) ?? reported);
      before.set(current, (before.get(current) ?? 0) + 1);
      after.set(release, (after.get(release) ?? 0) + 1);
      const at = rank(current);
      if (at < 0) continue;
      if (at > target) problems.push(`${service} on ${node.name} runs ${current}, newer than ${release}`);
      else if (at < target && current !== from) {
        problems.push(
          `${service} on ${node.name} runs ${current}; ${release} upgrades from ${from ?? 'nothing'}: upgrade to ${from ?? 'it'} first`,
        );
      }
      if (!lowest || at < lowest.rank) lowest = { rank: at, who: `${service} on ${node.name} (${current})` };
    }
    skew.push({ service, before: Object.fromEntries(before), after: Object.fromEntries(after) });
  }
  if (problems.length > 0)
    throw new PlanRefusedError(
      `refused by the skew policy: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
    );
  if (lowest && target - lowest.rank > config.releases.maxSkew) {
    throw new PlanRefusedError(
      `refused by the skew policy: ${release} would run beside ${lowest.who}, ${target - lowest.rank} releases apart (maxSkew ${config.releases.maxSkew})`,
    );
  }
  return skew;
}

/**
 * The gate a batched unit's script applies to its `version` output (ports.ts `VersionGate`):
 * it lets through only outputs `classifyVersion` reads as `from`, and stops on everything
 * else — the target, any other release, any other commit — so the engine decides those as it
 * does for a separate probe. Checked in `classifyVersion`'s order: the target first.
 */
export function versionGate(
  names: VersionNames & { pinned: boolean },
  range: ReadonlySet<string>,
): VersionGate {
  const order = names.config.releases.order;
  const from = names.from ?? names.config.releases.named[names.release]?.from;
  // Release names reported as is: `from` (and the release itself when only its pinned commit is the target).
  const goNames = [from, names.pinned ? names.release : undefined].filter(
    (name): name is string => name !== undefined && order.includes(name),
  );
  const stopNames = order.filter((name) => !goNames.includes(name));
  const stopShas = names.commit ? [names.commit] : [];
  const goShas = [...(from !== undefined && names.fromCommit ? [names.fromCommit] : []), ...range].filter(
    (sha) => /^[0-9a-f]{7,40}$/i.test(sha) && !stopShas.includes(sha),
  );
  return { stopNames, stopShas, goNames, goShas };
}

// GET /healthz and GET /livez. Readiness: every part (the database, each configured platform)
// is checked at each request, each check bounded in time; a part that is down is named with
// when it went down. Liveness: every supervised loop has ticked recently.
import type { LoopStatus } from '../engine/supervise.js';

/** A part's check: resolves when it is up, rejects (or answers false) when it is down. */
export type Check = () => Promise<unknown> | boolean;

export interface Readiness {
  ok: boolean;
  /** The parts that are not up (kept from the first version of this answer). */
  waiting: string[];
  down: Record<string, { since: string; error: string }>;
}

export interface Health {
  readiness(): Promise<Readiness>;
  liveness(): { ok: boolean; loops: LoopStatus[]; stale: string[] };
  /** A part that is down whatever its check says (`shutting down`). */
  hold(part: string, why: string): void;
  /** The last answer's down parts, without checking again (for logs and metrics). */
  last(): Readiness | undefined;
}

export interface HealthOptions {
  checks: Map<string, Check>;
  loops: () => { all: LoopStatus[]; stale: LoopStatus[] };
  timeoutMs?: number;
  now?: () => Date;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createHealth(options: HealthOptions): Health {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 2_000;
  /** When each part that is down went down. */
  const since = new Map<string, Date>();
  const held = new Map<string, string>();
  let previous: Readiness | undefined;

  const probe = async (check: Check): Promise<string | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        Promise.resolve().then(check),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return answer === false ? 'not connected' : undefined;
    } catch (error) {
      return messageOf(error);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async readiness() {
      const parts = [...options.checks];
      const errors = await Promise.all(parts.map(([, check]) => probe(check)));
      const down: Readiness['down'] = {};
      for (const [index, [part]] of parts.entries()) {
        const error = held.get(part) ?? errors[index];
        if (error === undefined) {
          since.delete(part);
          continue;
        }
        if (!since.has(part)) since.set(part, now());
        down[part] = { since: since.get(part)!.toISOString(), error };
      }
      for (const [part, why] of held)
        if (!options.checks.has(part)) {
          if (!since.has(part)) since.set(part, now());
          down[part] = { since: since.get(part)!.toISOString(), error: why };
        }
      const waiting = Object.keys(down);
      previous = { ok: waiting.length === 0, waiting, down };
      return previous;
    },
    liveness() {
      const { all, stale } = options.loops();
      return { ok: stale.length === 0, loops: all, stale: stale.map((s) => s.name) };
    },
    hold(part, why) {
      held.set(part, why);
    },
    last: () => previous,
  };
}

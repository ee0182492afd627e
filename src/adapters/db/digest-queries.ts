// The digest's queries across an environment's upgrades (src/bot/digest/ports.ts): unresolved
// failures, and the events since the last digest.
import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { DigestQueries } from '../../bot/digest/ports.js';
import type { EngineEventType } from '../../engine/ports.js';
import type { Db } from './db.js';
import { toFailure } from './rows.js';
import { events, failures, upgrades } from './schema.js';

export function createDigestQueries(db: Db): DigestQueries {
  return {
    async unresolvedFailures(environment) {
      const rows = await db
        .select({ failure: failures })
        .from(failures)
        .innerJoin(upgrades, eq(upgrades.id, failures.upgradeId))
        .where(and(eq(upgrades.environment, environment), inArray(failures.state, ['open', 'acked'])))
        .orderBy(asc(failures.createdAt), asc(failures.id));
      return rows.map(({ failure }) => toFailure(failure));
    },

    async eventsSince(environment, since, types) {
      if (types.length === 0) return [];
      const rows = await db
        .select({ event: events })
        .from(events)
        .innerJoin(upgrades, eq(upgrades.id, events.upgradeId))
        .where(
          and(eq(upgrades.environment, environment), gte(events.at, since), inArray(events.type, [...types])),
        )
        .orderBy(asc(events.id));
      return rows.map(({ event }) => ({ ...event, type: event.type as EngineEventType }));
    },
  };
}

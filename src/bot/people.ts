// Commit authors → chat users, through the config's `people:` (e-mail and aliases).
import type { Config } from '../config/schema.js';
import type { PersonRef } from './model.js';

export function personFor(people: Config['people'], email: string | null, name: string | null): PersonRef {
  const lower = email?.toLowerCase();
  const person = lower
    ? people.find(
        (p) => p.email.toLowerCase() === lower || p.aliases.some((alias) => alias.toLowerCase() === lower),
      )
    : undefined;
  return {
    name: person?.name ?? name ?? email ?? 'unknown author',
    email,
    ...(person?.slack ? { slack: person.slack } : {}),
    ...(person?.discord ? { discord: person.discord } : {}),
  };
}

export function isMapped(person: PersonRef): boolean {
  return person.slack !== undefined || person.discord !== undefined;
}

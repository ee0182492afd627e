// Lookups of user-supplied names (an environment, a release, a service) in the config's
// name-keyed records. `record[name]` would find `constructor`, `valueOf` or `__proto__` on
// Object.prototype; only the record's own entries count.

export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

// What a decision knows about the fleet beside the stored upgrade: roles, availability
// limits, the dependency graph and node addresses. Derived from the config (fleet.ts).

export interface DecideContext {
  /** node → its roles. */
  roles: Map<string, string[]>;
  /** role → nodes that may be unavailable at once. */
  unavailable: Map<string, number>;
  /** service → services it comes after. */
  after: Map<string, string[]>;
  /** host of each node, for fingerprints. */
  hosts: Map<string, string>;
}

/** Services that come after `service`, directly or through others (its dependents). */
export function dependentsOf(service: string, context: DecideContext): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    for (const [other, after] of context.after) {
      if (after.includes(name) && !found.has(other)) {
        found.add(other);
        visit(other);
      }
    }
  };
  visit(service);
  return found;
}

// A key's path in drover.yaml, as zod and the YAML document both walk it
// (`environments`, `production`, `nodes`, 0, `port`), and its dotted form for people.

export type PathKey = string | number;

export function dotted(path: readonly PathKey[]): string {
  return path.map(String).join('.');
}

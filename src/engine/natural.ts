// Natural order for node names and label values: n2 before n10, cmp-9 before cmp-10.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function naturalSort(values: Iterable<string>): string[] {
  return [...values].sort(naturalCompare);
}

// `strategy.by: <label>`: a service's nodes go one label value at a time (zone by zone, rack
// by rack), so no two values are ever upgrading at once. Values in natural order, the canary's
// value first; nodes without the label form their own group, last. maxUnavailable applies per
// value: availability is counted per (role, value).
import { naturalSort } from './natural.js';

export interface LabelGroup<T> {
  /** The label's value, or undefined for the nodes without the label. */
  value: string | undefined;
  items: T[];
}

/** `items` (in their order) split by the label value of their node, groups in walking order. */
export function groupByLabel<T>(
  items: T[],
  labelOf: (item: T) => string | undefined,
  first: string | undefined,
): Array<LabelGroup<T>> {
  const values = naturalSort(new Set(items.map(labelOf).filter((v): v is string => v !== undefined)));
  const ordered =
    first !== undefined && values.includes(first) ? [first, ...values.filter((v) => v !== first)] : values;
  const groups: Array<LabelGroup<T>> = ordered.map((value) => ({
    value,
    items: items.filter((item) => labelOf(item) === value),
  }));
  const missing = items.filter((item) => labelOf(item) === undefined);
  if (missing.length > 0) groups.push({ value: undefined, items: missing });
  return groups;
}

/** How a group is named in a wave's `why`: `zone=eu-1`, `no zone label`. */
export function groupName(by: string, value: string | undefined): string {
  return value === undefined ? `no ${by} label` : `${by}=${value}`;
}

/** The availability key of a role within a label value (decide counts nodes per key). */
export function availabilityKey(role: string, by: string | undefined, value: string | undefined): string {
  return by === undefined ? role : `${role} ${groupName(by, value)}`;
}

import { describe, expect, it } from 'vitest';
import { length, nodeRanges } from '../../src/bot/limits.js';
import { naturalSort } from '../../src/engine/natural.js';

const fleet = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('nodeRanges', () => {
  it('names consecutive numbered nodes as a range and counts them', () => {
    expect(nodeRanges(naturalSort(fleet('n', 1000, 1089)))).toBe('n1000–n1089 (90 nodes)');
  });

  it('sorts naturally, breaks ranges at gaps, prefixes and widths, and names singles', () => {
    const names = naturalSort(['n10', 'n9', 'n2', 'n1', 'n3', 'web-07', 'web-08', 'web-9', 'db', 'n101']);
    expect(names.slice(0, 4)).toEqual(['db', 'n1', 'n2', 'n3']);
    expect(nodeRanges(names)).toBe('db, n1–n3, n9, n10, n101, web-07, web-08, web-9 (10 nodes)');
    expect(nodeRanges(['only'])).toBe('only');
  });

  it('cuts to the first ranges and how many more when the text would pass its bound', () => {
    const names = naturalSort(fleet('n', 1, 400).filter((_, i) => i % 2 === 0));
    const text = nodeRanges(names, 80);
    expect(length(text)).toBeLessThanOrEqual(80);
    expect(text).toMatch(/^n1, n3, .* … and \d+ more \(200 nodes\)$/);
    const named = text.split(' … ')[0]!.split(', ').length;
    expect(text).toContain(`and ${200 - named} more`);
  });
});

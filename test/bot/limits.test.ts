// The cuts every renderer goes through: lengths in code points, a visible mark, lists that
// name the first items and count the rest, escapes never cut in half.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, clipList, clipStart, fitEscaped, length, names } from '../../src/bot/limits.js';

describe('the limits module', () => {
  it('counts code points, as the platforms do', () => {
    expect(length('🚀'.repeat(3))).toBe(3);
    expect(clip('🚀'.repeat(10), 5)).toBe('🚀🚀🚀🚀…');
  });

  it('names the first items and ends "… and N more"', () => {
    const items = Array.from({ length: 48 }, (_, i) => `nova-compute-rack01-slot${i}.dc1.example.internal`);
    const text = names(items, 1000);
    expect(length(text)).toBeLessThanOrEqual(1000);
    const shown = text.split(' … ')[0]!.split(', ').length;
    expect(text).toMatch(new RegExp(`… and ${48 - shown} more$`));
    expect(names(['a', 'b'], 100)).toBe('a, b');
  });

  it('cuts a reason that lists every node at a separator and counts the rest', () => {
    const reason = `wave 2: 3 of 3 failed: ${['alpha', 'beta', 'gamma'].join(', ')}`;
    expect(clipList(reason, 100)).toBe(reason);
    expect(
      clipList(`wave 2: 300 of 300 failed: ${Array.from({ length: 300 }, (_, i) => `n${i}`).join(', ')}`, 80),
    ).toMatch(/^wave 2: 300 of 300 failed: n0, n1, .* … and \d+ more$/);
  });

  it('keeps the end of output and marks the cut at its start', () => {
    expect(clipStart('a\nb\nc\nd', 5)).toBe('…\nc\nd');
    expect(clipStart('short', 5)).toBe('short');
  });

  it('never exceeds the limit and never cuts an escape, whatever the text', () => {
    const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 2, max: 200 }),
        (text, max) => {
          const out = fitEscaped(text, max, escapeHtml);
          expect(length(out)).toBeLessThanOrEqual(max);
          expect(out).not.toMatch(/&(a|am|amp|l|lt)?$/);
          expect(length(names(text.split(' '), max))).toBeLessThanOrEqual(max);
          expect(length(clip(text, max))).toBeLessThanOrEqual(max);
          expect(length(clipStart(text, max + 2))).toBeLessThanOrEqual(max + 2);
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });
});

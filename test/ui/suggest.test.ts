import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../src/ui/suggest.js';

/** Plain recursive Levenshtein (memoised), the reference the iterative one must agree with. */
function reference(a: string, b: string): number {
  const memo = new Map<string, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const value = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    memo.set(key, value);
    return value;
  };
  return d(a.length, b.length);
}

describe('flag suggestions', () => {
  it('editDistance equals the reference Levenshtein distance', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 9 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(editDistance(a, b)).toBe(reference(a, b));
      }),
    );
  });

  it('suggests the nearest flag for a typo and nothing for an unrelated word', () => {
    const flags = ['config', 'region', 'state-dir', 'aws-profile', 'verbose', 'json'];
    expect(closestName('cnofig', flags)).toBe('config');
    expect(closestName('regoin', flags)).toBe('region');
    expect(closestName('statedir', flags)).toBe('state-dir');
    expect(closestName('jsno', flags)).toBe('json');
    expect(closestName('frobnicate', flags)).toBeUndefined();
    expect(closestName('x', [])).toBeUndefined();
  });
});

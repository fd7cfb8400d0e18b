import { describe, expect, it } from 'vitest';
import {
  addItem,
  emptyFrequentItems,
  itemShares,
  MAX_ITEM_LENGTH,
  mergeFrequentItems,
} from '../../../lambdas/core/sketches/frequent-items.ts';

const of = (items: string[], capacity = 4) =>
  items.reduce((s, x) => addItem(s, x), emptyFrequentItems(capacity));

describe('frequent items', () => {
  it('counts exactly while distinct items fit the capacity', () => {
    const s = of(['jpeg', 'png', 'jpeg', 'jpeg']);
    expect(Object.fromEntries(s.counts)).toEqual({ jpeg: 3, png: 1 });
    expect(s.maxError).toBe(0);
    expect(itemShares(s).get('jpeg')).toBe(0.75);
  });

  it('keeps heavy hitters with a bounded undercount once over capacity', () => {
    const stream = [...Array(50).fill('a'), ...Array(30).fill('b'), ...'cdefghijklmnop'.split('')];
    const s = of(stream, 3);
    const a = s.counts.get('a') ?? 0;
    expect(a).toBeLessThanOrEqual(50);
    expect(a + s.maxError).toBeGreaterThanOrEqual(50);
    expect(s.counts.has('b')).toBe(true);
    expect(s.total).toBe(stream.length);
  });

  it('merges by adding counters, commutatively', () => {
    const a = of(['x', 'y', 'x']);
    const b = of(['y', 'z']);
    expect(mergeFrequentItems(a, b)).toEqual(mergeFrequentItems(b, a));
    expect(Object.fromEntries(mergeFrequentItems(a, b).counts)).toEqual({ x: 2, y: 2, z: 1 });
  });

  it('truncates long items', () => {
    const s = of(['m'.repeat(500)]);
    expect([...s.counts.keys()][0]).toHaveLength(MAX_ITEM_LENGTH);
  });
});

/**
 * Frequent items: a Misra–Gries summary with the mergeable-summaries merge of Agarwal et al.
 * (2012): add counters, then subtract the (capacity+1)-th largest from all and drop the rest.
 * Exact while there are at most `capacity` distinct items; otherwise each count is a lower bound
 * and the true count is at most count + maxError.
 */
export const DEFAULT_FREQUENT_ITEMS_CAPACITY = 32;
/** Longer strings are truncated, as whylogs does (max_frequent_item_size = 128). */
export const MAX_ITEM_LENGTH = 128;

export interface FrequentItems {
  readonly capacity: number;
  readonly total: number;
  readonly maxError: number;
  /** Item → lower-bound count, sorted by item for a deterministic encoding. */
  readonly counts: ReadonlyMap<string, number>;
}

export function emptyFrequentItems(capacity = DEFAULT_FREQUENT_ITEMS_CAPACITY): FrequentItems {
  return { capacity, total: 0, maxError: 0, counts: new Map() };
}

export function addItem(summary: FrequentItems, item: string, count = 1): FrequentItems {
  const key = item.slice(0, MAX_ITEM_LENGTH);
  const counts = new Map(summary.counts);
  counts.set(key, (counts.get(key) ?? 0) + count);
  return reduce({ ...summary, total: summary.total + count, counts });
}

export function mergeFrequentItems(a: FrequentItems, b: FrequentItems): FrequentItems {
  const counts = new Map(a.counts);
  for (const [item, c] of b.counts) counts.set(item, (counts.get(item) ?? 0) + c);
  return reduce({
    capacity: Math.min(a.capacity, b.capacity),
    total: a.total + b.total,
    maxError: a.maxError + b.maxError,
    counts,
  });
}

function reduce(summary: FrequentItems): FrequentItems {
  const { capacity } = summary;
  let counts = summary.counts;
  let maxError = summary.maxError;
  if (counts.size > capacity) {
    const sorted = [...counts.values()].sort((x, y) => y - x);
    const cut = sorted[capacity] as number;
    const kept = new Map<string, number>();
    for (const [item, c] of counts) if (c > cut) kept.set(item, c - cut);
    counts = kept;
    maxError += cut;
  }
  return {
    ...summary,
    maxError,
    counts: new Map([...counts].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
  };
}

/** Share of the stream per item (lower bounds when the summary is not exact). */
export function itemShares(summary: FrequentItems): Map<string, number> {
  const shares = new Map<string, number>();
  if (summary.total === 0) return shares;
  for (const [item, c] of summary.counts) shares.set(item, c / summary.total);
  return shares;
}

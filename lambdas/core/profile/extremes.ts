/**
 * The few most extreme images of a feature at each end, kept by key for the report's thumbnails.
 * Ties break by key so that merging is commutative.
 */
export const EXTREMES_PER_END = 3;

export interface Extreme {
  readonly value: number;
  readonly key: string;
}

const byKey = (a: Extreme, b: Extreme) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
export const lowestFirst = (a: Extreme, b: Extreme) => a.value - b.value || byKey(a, b);
export const highestFirst = (a: Extreme, b: Extreme) => b.value - a.value || byKey(a, b);

/** Keeps the first `limit` of candidates under `order`, without duplicate keys. */
export function keepExtremes(
  candidates: readonly Extreme[],
  order: (a: Extreme, b: Extreme) => number,
  limit = EXTREMES_PER_END,
): Extreme[] {
  const sorted = [...candidates].sort(order);
  const seen = new Set<string>();
  const kept: Extreme[] = [];
  for (const e of sorted) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    kept.push(e);
    if (kept.length === limit) break;
  }
  return kept;
}

/** Whether value would enter a full list ordered by `order`; cheap pre-check on the hot path. */
export function qualifies(
  list: readonly Extreme[],
  candidate: Extreme,
  order: (a: Extreme, b: Extreme) => number,
  limit = EXTREMES_PER_END,
): boolean {
  if (list.length < limit) return true;
  return order(candidate, list[list.length - 1] as Extreme) < 0;
}

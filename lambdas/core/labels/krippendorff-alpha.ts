import type { VoteTable } from './vote-table.ts';

export type AlphaResult =
  | { readonly alpha: number; readonly undefinedBecause?: undefined }
  | { readonly alpha?: undefined; readonly undefinedBecause: string };

export const NO_PAIRABLE_VOTES = 'no item has two votes';
export const NO_VARIATION = 'every vote on an item with two votes is the same label';

/**
 * Krippendorff's alpha for nominal data: α = 1 − D_o / D_e, from the coincidence matrix over items
 * with at least two votes (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
 * 1 = perfect agreement, 0 = chance, < 0 = systematic disagreement. Undefined (with the reason) when
 * no item has two votes, or when every pairable vote is the same label: then D_e = D_o = 0 and α is
 * 0/0 — the data show no variation to agree about (Krippendorff 2011, §"Observed and expected
 * disagreement"), which is not perfect agreement.
 * `include` restricts it to some items (by number), e.g. those of one prediction day.
 */
export function krippendorffAlpha(
  table: VoteTable,
  include?: (item: number) => boolean,
): AlphaResult {
  const K = table.labels.length;
  const coincidence = Array.from({ length: K }, () => new Float64Array(K));
  const c = new Float64Array(K);
  for (let item = 0; item < table.itemCount; item++) {
    if (include && !include(item)) continue;
    const m = table.countVotes(item, c);
    if (m < 2) continue;
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        const pairs =
          a === b ? (c[a] as number) * ((c[a] as number) - 1) : (c[a] as number) * (c[b] as number);
        (coincidence[a] as Float64Array)[b]! += pairs / (m - 1);
      }
    }
  }
  const marginals = coincidence.map((row) => row.reduce((s, x) => s + x, 0));
  const n = marginals.reduce((s, x) => s + x, 0);
  if (n <= 1) return { undefinedBecause: NO_PAIRABLE_VOTES };
  let observed = 0;
  let expected = 0;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      if (a === b) continue;
      observed += (coincidence[a] as Float64Array)[b] as number;
      expected += (marginals[a] as number) * (marginals[b] as number);
    }
  }
  expected /= n - 1;
  if (expected === 0) return { undefinedBecause: NO_VARIATION };
  return { alpha: 1 - observed / expected };
}

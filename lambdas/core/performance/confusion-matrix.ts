/**
 * A confusion matrix as counts: counts[true label][predicted label]. Counts merge by addition, so
 * days, files and batches combine exactly (whylogs keeps its matrix the same way).
 */
export type ConfusionMatrix = Record<string, Record<string, number>>;

export function emptyMatrix(): ConfusionMatrix {
  return {};
}

export function addPair(
  matrix: ConfusionMatrix,
  truth: string,
  predicted: string,
  count = 1,
): void {
  const row = matrix[truth] ?? {};
  row[predicted] = (row[predicted] ?? 0) + count;
  matrix[truth] = row;
}

export function mergeMatrices(a: ConfusionMatrix, b: ConfusionMatrix): ConfusionMatrix {
  const out: ConfusionMatrix = {};
  for (const m of [a, b])
    for (const [t, row] of Object.entries(m))
      for (const [p, n] of Object.entries(row)) addPair(out, t, p, n);
  return out;
}

/** Every label seen as truth or prediction, sorted. */
export function labelsOf(matrix: ConfusionMatrix): string[] {
  const labels = new Set<string>();
  for (const [t, row] of Object.entries(matrix)) {
    labels.add(t);
    for (const p of Object.keys(row)) labels.add(p);
  }
  return [...labels].sort();
}

export function total(matrix: ConfusionMatrix): number {
  let n = 0;
  for (const row of Object.values(matrix)) for (const c of Object.values(row)) n += c;
  return n;
}

export const cell = (matrix: ConfusionMatrix, truth: string, predicted: string) =>
  matrix[truth]?.[predicted] ?? 0;

/** A confusion matrix cut to its most frequent classes, the rest folded into one "other" class. */
export interface FoldedMatrix {
  readonly matrix: ConfusionMatrix;
  /** The classes kept, most frequent first, then the fold's label when anything was folded. */
  readonly labels: readonly string[];
  /** Distinct classes before folding, and how many went into the fold. */
  readonly classes: number;
  readonly folded: number;
  /** The fold's label (absent when nothing was folded). */
  readonly other?: string | undefined;
}

/**
 * The `keep` classes with the most labels plus predictions (ties by name), every other class
 * folded into one `other (N classes)` label. The diagonal stays exact: a folded label mistaken for
 * another folded label is counted as `other` predicted as a second fold label (`other, wrong
 * class`), so accuracy from the folded matrix equals accuracy from the full one. Per-class
 * figures of the folded classes are merged into the fold (docs/performance.md).
 */
export function foldMatrix(matrix: ConfusionMatrix, keep: number): FoldedMatrix {
  const weight = new Map<string, number>();
  for (const [t, row] of Object.entries(matrix))
    for (const [p, n] of Object.entries(row)) {
      weight.set(t, (weight.get(t) ?? 0) + n);
      weight.set(p, (weight.get(p) ?? 0) + n);
    }
  const ranked = [...weight.keys()].sort(
    (a, b) => (weight.get(b) as number) - (weight.get(a) as number) || (a < b ? -1 : a > b ? 1 : 0),
  );
  if (ranked.length <= keep) return { matrix, labels: ranked, classes: ranked.length, folded: 0 };
  const kept = ranked.slice(0, Math.max(0, keep));
  const keptSet = new Set(kept);
  const folded = ranked.length - kept.length;
  const other = uniqueLabel(`other (${folded} classes)`, weight);
  const otherWrong = uniqueLabel(`${other}, wrong class`, weight);
  const out: ConfusionMatrix = {};
  for (const [t, row] of Object.entries(matrix))
    for (const [p, n] of Object.entries(row)) {
      const truth = keptSet.has(t) ? t : other;
      const predicted = keptSet.has(p) ? p : t !== p && truth === other ? otherWrong : other;
      addPair(out, truth, predicted, n);
    }
  const labels = [...kept, other, ...(labelsOf(out).includes(otherWrong) ? [otherWrong] : [])];
  return { matrix: out, labels, classes: ranked.length, folded, other };
}

/** `name`, or `name` with a suffix when a real class already has that name. */
function uniqueLabel(name: string, taken: ReadonlyMap<string, number>): string {
  let label = name;
  for (let i = 2; taken.has(label); i++) label = `${name} #${i}`;
  return label;
}

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

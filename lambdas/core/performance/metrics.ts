import { SeededRandom } from '../sketches/random.ts';
import { type ConfusionMatrix, cell, labelsOf, total } from './confusion-matrix.ts';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface ClassMetrics {
  readonly label: string;
  readonly support: number;
  readonly precision?: number | undefined;
  readonly recall?: number | undefined;
  readonly f1?: number | undefined;
  readonly precisionInterval?: Interval | undefined;
  readonly recallInterval?: Interval | undefined;
}

export interface PerformanceMetrics {
  readonly labelled: number;
  readonly accuracy?: number | undefined;
  readonly accuracyInterval?: Interval | undefined;
  readonly macroF1?: number | undefined;
  readonly macroF1Interval?: Interval | undefined;
  readonly weightedF1?: number | undefined;
  readonly perClass: readonly ClassMetrics[];
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a proportion (Wilson 1927; Agresti & Coull 1998 recommend it over the
 * normal approximation for small n and extreme p). Undefined for n = 0.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval | undefined {
  if (n === 0) return undefined;
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : undefined);

/** Row and column sums in one pass over the cells: O(cells), not O(classes²). */
function marginals(matrix: ConfusionMatrix) {
  const support = new Map<string, number>();
  const predicted = new Map<string, number>();
  for (const [t, row] of Object.entries(matrix))
    for (const [p, n] of Object.entries(row)) {
      support.set(t, (support.get(t) ?? 0) + n);
      predicted.set(p, (predicted.get(p) ?? 0) + n);
    }
  return { support, predicted };
}

function pointMetrics(matrix: ConfusionMatrix) {
  const labels = labelsOf(matrix);
  const n = total(matrix);
  const sums = marginals(matrix);
  let correct = 0;
  const perClass = labels.map((label) => {
    const tp = cell(matrix, label, label);
    correct += tp;
    const support = sums.support.get(label) ?? 0;
    const predicted = sums.predicted.get(label) ?? 0;
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 =
      precision !== undefined && recall !== undefined
        ? precision + recall > 0
          ? (2 * precision * recall) / (precision + recall)
          : 0
        : undefined;
    return { label, support, predicted, tp, precision, recall, f1 };
  });
  // Macro F1 over classes present as truth (a class never true has no recall; counting it as 0 would
  // punish the model for the sample). scikit-learn's f1_score(average='macro') counts such a class
  // as 0 when it was predicted, so the two differ exactly then; the report and digest say which.
  const present = perClass.filter((c) => c.support > 0);
  const macroF1 =
    present.length > 0 ? present.reduce((s, c) => s + (c.f1 ?? 0), 0) / present.length : undefined;
  const weightedF1 =
    n > 0 ? present.reduce((s, c) => s + (c.f1 ?? 0) * c.support, 0) / n : undefined;
  return { labels, n, correct, perClass, macroF1, weightedF1 };
}

/**
 * Accuracy, per-class precision/recall/F1, macro and weighted F1 from a confusion matrix, with
 * Wilson intervals for the proportions and a seeded multinomial bootstrap (resampling the matrix's
 * cells, `resamples` times) for macro F1, which has no closed-form interval.
 */
export function performanceMetrics(
  matrix: ConfusionMatrix,
  options: { seed?: number; resamples?: number } = {},
): PerformanceMetrics {
  const m = pointMetrics(matrix);
  return {
    labelled: m.n,
    accuracy: ratio(m.correct, m.n),
    accuracyInterval: wilsonInterval(m.correct, m.n),
    macroF1: m.macroF1,
    macroF1Interval:
      m.n > 0 ? bootstrapMacroF1(matrix, options.seed ?? 1, options.resamples ?? 500) : undefined,
    weightedF1: m.weightedF1,
    perClass: m.perClass.map((c) => ({
      label: c.label,
      support: c.support,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      precisionInterval: wilsonInterval(c.tp, c.predicted),
      recallInterval: wilsonInterval(c.tp, c.support),
    })),
  };
}

function bootstrapMacroF1(
  matrix: ConfusionMatrix,
  seed: number,
  resamples: number,
): Interval | undefined {
  const cells: { t: string; p: string; n: number }[] = [];
  for (const [t, row] of Object.entries(matrix))
    for (const [p, n] of Object.entries(row)) if (n > 0) cells.push({ t, p, n });
  const n = cells.reduce((s, c) => s + c.n, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const c of cells) {
    running += c.n / n;
    cumulative.push(running);
  }
  const random = new SeededRandom(seed);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const sample: ConfusionMatrix = {};
    for (let i = 0; i < n; i++) {
      const u = random.next();
      // The first cell whose cumulative share reaches u (binary search: a matrix can have
      // thousands of cells, and this runs n × resamples times).
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const mid = (low + high) >> 1;
        if ((cumulative[mid] as number) < u) low = mid + 1;
        else high = mid;
      }
      const k = low;
      const c = cells[k] as { t: string; p: string };
      const row = sample[c.t] ?? {};
      row[c.p] = (row[c.p] ?? 0) + 1;
      sample[c.t] = row;
    }
    const f1 = pointMetrics(sample).macroF1;
    if (f1 !== undefined) values.push(f1);
  }
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return {
    low: values[Math.floor(0.025 * (values.length - 1))] as number,
    high: values[Math.ceil(0.975 * (values.length - 1))] as number,
  };
}

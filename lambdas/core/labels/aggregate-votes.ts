import { SeededRandom } from '../sketches/random.ts';
import type { VoteTable } from './vote-table.ts';

/** The consensus for one item. */
export interface Consensus {
  readonly item: string;
  /** Undefined when the votes tie and the tie policy is `skip`. */
  readonly label?: string | undefined;
  /** Probability (Dawid–Skene posterior) or vote share (majority vote) of the chosen label. */
  readonly confidence: number;
  readonly votes: number;
  readonly tie: boolean;
}

export const AGGREGATION_METHODS = [
  'auto',
  'majority-vote',
  'gold-majority-vote',
  'dawid-skene',
] as const;
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];
/** What majority vote does with a tie: leave the item unlabelled, or take the alphabetically first label. */
export type TiePolicy = 'skip' | 'first';

export interface AggregationResult {
  readonly method: Exclude<AggregationMethod, 'auto'>;
  readonly consensus: readonly Consensus[];
  /** Per annotator: agreement with the consensus (and, with gold tasks, accuracy on them). */
  readonly annotators: readonly {
    annotator: string;
    votes: number;
    agreement: number;
    goldAccuracy?: number | undefined;
  }[];
  readonly iterations?: number | undefined;
}

export interface AggregationOptions {
  readonly method?: AggregationMethod;
  readonly tiePolicy?: TiePolicy;
  readonly seed?: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

/**
 * Aggregates crowd votes into one label per item (gold tasks excluded from the result).
 * `auto` picks Dawid–Skene when there are enough repeated votes to estimate annotators (at least
 * 20 items with 2+ votes), gold majority vote when there is gold but too little overlap, and plain
 * majority vote otherwise.
 */
export function aggregateVotes(
  table: VoteTable,
  options: AggregationOptions = {},
): AggregationResult {
  const counts = table.countsByItem();
  const method =
    options.method === undefined || options.method === 'auto'
      ? chooseMethod(table, counts)
      : options.method;
  let posterior: Float64Array[];
  let iterations: number | undefined;
  if (method === 'dawid-skene') {
    const result = dawidSkene(table, counts, options);
    posterior = result.posterior;
    iterations = result.iterations;
  } else if (method === 'gold-majority-vote') {
    posterior = weightedVote(table, goldWeights(table));
  } else {
    posterior = counts.map((c) => {
      const total = c.reduce((s, x) => s + x, 0);
      return c.map((x) => (total > 0 ? x / total : 0));
    });
  }
  const tiePolicy = options.tiePolicy ?? 'skip';
  const consensus: Consensus[] = [];
  const chosen = new Int32Array(table.items.length).fill(-1);
  table.items.forEach((item, i) => {
    if (table.gold.has(i)) return;
    const p = posterior[i] as Float64Array;
    const votes = (counts[i] as Float64Array).reduce((s, x) => s + x, 0);
    const best = Math.max(...p);
    const winners = [...p.keys()]
      .filter((l) => p[l] === best && best > 0)
      .sort((a, b) => ((table.labels[a] as string) < (table.labels[b] as string) ? -1 : 1));
    const tie = winners.length > 1;
    const label = tie && tiePolicy === 'skip' ? undefined : winners[0];
    if (label !== undefined) chosen[i] = label;
    const given = table.givenConfidence.get(i);
    consensus.push({
      item,
      label: label === undefined ? undefined : table.labels[label],
      confidence: given !== undefined && votes === 1 ? given : best,
      votes,
      tie,
    });
  });
  return { method, consensus, annotators: annotatorStats(table, chosen), iterations };
}

function chooseMethod(
  table: VoteTable,
  counts: Float64Array[],
): Exclude<AggregationMethod, 'auto'> {
  const repeated = counts.filter((c) => c.reduce((s, x) => s + x, 0) >= 2).length;
  if (repeated >= 20 && table.annotators.length >= 2) return 'dawid-skene';
  if (table.gold.size > 0) return 'gold-majority-vote';
  return 'majority-vote';
}

/** Wawa weights: the log-odds of each annotator's agreement with the plain majority. */
function agreementWeights(table: VoteTable, counts: Float64Array[]): Float64Array {
  const majority = counts.map((c) => c.indexOf(Math.max(...c)));
  const agree = new Float64Array(table.annotators.length);
  const total = new Float64Array(table.annotators.length);
  table.forEachVote((item, annotator, label) => {
    total[annotator]! += 1;
    if (majority[item] === label) agree[annotator]! += 1;
  });
  return agree.map((a, j) => {
    const rate = (a + 1) / ((total[j] as number) + 2);
    return Math.max(0, Math.log(rate / (1 - rate)));
  });
}

/**
 * Annotator weights from gold tasks: accuracy a (Laplace-smoothed) gives the log-odds weight
 * log(a·(K−1)/(1−a)), the optimal vote weight under a one-coin model (Nitzan & Paroush 1982).
 */
function goldWeights(table: VoteTable): Float64Array {
  const correct = new Float64Array(table.annotators.length);
  const total = new Float64Array(table.annotators.length);
  table.forEachVote((item, annotator, label) => {
    const gold = table.gold.get(item);
    if (gold === undefined) return;
    total[annotator]! += 1;
    if (label === gold) correct[annotator]! += 1;
  });
  const k = Math.max(2, table.labels.length);
  return correct.map((c, a) => {
    const accuracy = (c + 1) / ((total[a] as number) + 2);
    return Math.max(0, Math.log((accuracy * (k - 1)) / (1 - accuracy)));
  });
}

function weightedVote(table: VoteTable, weights: Float64Array): Float64Array[] {
  const scores = table.items.map(() => new Float64Array(table.labels.length));
  table.forEachVote((item, annotator, label) => {
    (scores[item] as Float64Array)[label]! += Math.max(weights[annotator] as number, 1e-6);
  });
  return scores.map((s) => {
    const total = s.reduce((a, b) => a + b, 0);
    return s.map((x) => (total > 0 ? x / total : 0));
  });
}

/**
 * Dawid & Skene (1979) EM: each annotator has a confusion matrix π[j][true][given]; class priors p.
 * With few annotators the likelihood has equally good optima (trusting any one informative
 * annotator explains the data equally well), so the start matters: EM starts from a vote weighted
 * by accuracy on gold tasks when there are any, else by agreement with the plain majority (Wawa).
 * With two informative annotators, balanced classes and no gold, nothing in the data says which of
 * them is the better one (docs/labels.md). Gold tasks have
 * their posterior fixed to the gold label; additive smoothing keeps every π > 0. The seed only
 * jitters the start, to break exact ties reproducibly.
 */
export function dawidSkene(
  table: VoteTable,
  counts: Float64Array[],
  options: AggregationOptions = {},
) {
  const random = new SeededRandom(options.seed ?? 7);
  const weights = table.gold.size > 0 ? goldWeights(table) : agreementWeights(table, counts);
  const start = weightedVote(table, weights).map((p) => p.map((x) => x + 1e-3 * random.next()));
  return runEm(table, start, table.labels.length, options);
}

function runEm(table: VoteTable, start: Float64Array[], K: number, options: AggregationOptions) {
  const J = table.annotators.length;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const SMOOTH = 0.01;
  let posterior = start.map((c, i) => {
    const gold = table.gold.get(i);
    if (gold !== undefined) return Float64Array.from({ length: K }, (_, l) => (l === gold ? 1 : 0));
    const total = c.reduce((s, x) => s + x, 0);
    return c.map((x) => x / total);
  });
  let previous = Number.NEGATIVE_INFINITY;
  let likelihood = Number.NEGATIVE_INFINITY;
  let iterations = 0;
  const pi = Array.from({ length: J }, () => Array.from({ length: K }, () => new Float64Array(K)));
  const prior = new Float64Array(K);
  for (; iterations < maxIterations; iterations++) {
    // M-step: priors and confusion matrices from the soft labels.
    prior.fill(0);
    for (const p of posterior) for (let k = 0; k < K; k++) prior[k]! += p[k] as number;
    const n = posterior.length;
    for (let k = 0; k < K; k++) prior[k] = ((prior[k] as number) + SMOOTH) / (n + K * SMOOTH);
    for (const rows of pi) for (const row of rows) row.fill(SMOOTH);
    table.forEachVote((item, annotator, label) => {
      const p = posterior[item] as Float64Array;
      const rows = pi[annotator] as Float64Array[];
      for (let k = 0; k < K; k++) (rows[k] as Float64Array)[label]! += p[k] as number;
    });
    for (const rows of pi) {
      for (const row of rows) {
        const total = row.reduce((s, x) => s + x, 0);
        for (let l = 0; l < K; l++) row[l] = (row[l] as number) / total;
      }
    }
    // E-step: posteriors in log space.
    const logPost = table.items.map(() => Float64Array.from(prior, (x) => Math.log(x)));
    table.forEachVote((item, annotator, label) => {
      const lp = logPost[item] as Float64Array;
      const rows = pi[annotator] as Float64Array[];
      for (let k = 0; k < K; k++) lp[k]! += Math.log((rows[k] as Float64Array)[label] as number);
    });
    likelihood = 0;
    posterior = logPost.map((lp, i) => {
      const gold = table.gold.get(i);
      const max = Math.max(...lp);
      const e = lp.map((x) => Math.exp(x - max));
      const total = e.reduce((s, x) => s + x, 0);
      likelihood += max + Math.log(total);
      if (gold !== undefined)
        return Float64Array.from({ length: K }, (_, l) => (l === gold ? 1 : 0));
      return e.map((x) => x / total);
    });
    if (Math.abs(likelihood - previous) < tolerance * Math.max(1, Math.abs(likelihood))) {
      iterations++;
      break;
    }
    previous = likelihood;
  }
  return { posterior, iterations, likelihood, confusion: pi, prior };
}

function annotatorStats(table: VoteTable, chosen: Int32Array): AggregationResult['annotators'] {
  const votes = new Float64Array(table.annotators.length);
  const agree = new Float64Array(table.annotators.length);
  const goldVotes = new Float64Array(table.annotators.length);
  const goldCorrect = new Float64Array(table.annotators.length);
  table.forEachVote((item, annotator, label) => {
    const gold = table.gold.get(item);
    if (gold !== undefined) {
      goldVotes[annotator]! += 1;
      if (label === gold) goldCorrect[annotator]! += 1;
      return;
    }
    if ((chosen[item] as number) < 0) return;
    votes[annotator]! += 1;
    if (chosen[item] === label) agree[annotator]! += 1;
  });
  return table.annotators
    .map((annotator, a) => ({
      annotator,
      votes: votes[a] as number,
      agreement: (votes[a] as number) > 0 ? (agree[a] as number) / (votes[a] as number) : 0,
      goldAccuracy:
        (goldVotes[a] as number) > 0
          ? (goldCorrect[a] as number) / (goldVotes[a] as number)
          : undefined,
    }))
    .filter((a) => a.votes > 0 || a.goldAccuracy !== undefined);
}

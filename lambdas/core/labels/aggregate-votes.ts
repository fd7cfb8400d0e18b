import { SeededRandom } from '../sketches/random.ts';
import { runEm } from './dawid-skene.ts';
import type { LabelRow } from './label-row.ts';
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

export interface AnnotatorStats {
  readonly annotator: string;
  readonly votes: number;
  /** Share of the annotator's votes that agree with the consensus. */
  readonly agreement: number;
  /** Accuracy on gold tasks, when there were any. */
  readonly goldAccuracy?: number | undefined;
}

export interface AggregationResult {
  readonly method: Exclude<AggregationMethod, 'auto'>;
  /** Items scored (gold tasks excluded), and those left unlabelled by a tie. */
  readonly items: number;
  readonly ties: number;
  readonly annotators: readonly AnnotatorStats[];
  readonly iterations?: number | undefined;
  /**
   * Dawid–Skene only: whether EM reached its tolerance (no posterior moved by more than it) before
   * the iteration cap; false means the labels may still differ from the fixed point.
   */
  readonly converged?: boolean | undefined;
  /**
   * Names the consensus during a second pass over the file: the returned function gives an item's
   * consensus the first time a row names it, and undefined for its later rows and for gold tasks.
   * Names are not kept in memory between the passes (see VoteTable).
   */
  namer(): (row: LabelRow) => Consensus | undefined;
}

export interface AggregationOptions {
  readonly method?: AggregationMethod;
  readonly tiePolicy?: TiePolicy;
  readonly seed?: number;
  /** Dawid–Skene's iteration cap (default DS_MAX_ITERATIONS in dawid-skene.ts). */
  readonly maxIterations?: number;
  /** Dawid–Skene stops when no posterior changes by more than this (default DS_TOLERANCE in dawid-skene.ts). */
  readonly tolerance?: number;
  /** Dawid–Skene's numbers in memory (DAWID_SKENE_MAX_CELLS by default); above, a majority vote. */
  readonly maxDawidSkeneCells?: number;
}

/**
 * Dawid–Skene holds J·K² annotator confusion cells and 2·n·K posteriors (J annotators, K classes,
 * n items) as 8-byte numbers: 800 classes and 100 annotators alone are 64 M cells (512 MB), and
 * distinct label values are whatever the file says. Above 20 M cells (160 MB) the votes are
 * aggregated by (gold) majority vote instead, which needs no per-class state.
 */
export const DAWID_SKENE_MAX_CELLS = 20_000_000;

/** Cells Dawid–Skene would hold for this table. */
export const dawidSkeneCells = (table: VoteTable) =>
  table.annotators.length * table.labels.length ** 2 + 2 * table.itemCount * table.labels.length;

/** An item's decision in label numbers; −1 for no label. */
interface Decision {
  label: number;
  confidence: number;
  votes: number;
  tie: boolean;
}

/**
 * Aggregates crowd votes into one label per item (gold tasks excluded from the result).
 * `auto` picks Dawid–Skene when there are enough repeated votes to estimate annotators (at least
 * 20 items with 2+ votes), gold majority vote when there is gold but too little overlap, and plain
 * majority vote otherwise; Dawid–Skene past DAWID_SKENE_MAX_CELLS falls back to (gold) majority vote.
 * Memory: Dawid–Skene keeps 2·K posteriors per item; the rest reads the votes.
 */
export function aggregateVotes(
  table: VoteTable,
  options: AggregationOptions = {},
): AggregationResult {
  const K = table.labels.length;
  const chosen =
    options.method === undefined || options.method === 'auto'
      ? chooseMethod(table)
      : options.method;
  const tooLarge =
    chosen === 'dawid-skene' &&
    dawidSkeneCells(table) > (options.maxDawidSkeneCells ?? DAWID_SKENE_MAX_CELLS);
  const method = tooLarge ? (table.goldItems > 0 ? 'gold-majority-vote' : 'majority-vote') : chosen;
  let iterations: number | undefined;
  let converged: boolean | undefined;
  let scores: (item: number, out: Float64Array) => number;
  if (method === 'dawid-skene') {
    const result = dawidSkene(table, options);
    iterations = result.iterations;
    converged = result.converged;
    const counts = new Float64Array(K);
    scores = (item, out) => {
      out.set(result.posterior.subarray(item * K, item * K + K));
      return table.countVotes(item, counts);
    };
  } else {
    const weights = method === 'gold-majority-vote' ? goldWeights(table) : undefined;
    scores = (item, out) => table.countVotes(item, out, weights);
  }
  const tiePolicy = options.tiePolicy ?? 'skip';
  const order = [...table.labels.keys()].sort((a, b) =>
    (table.labels[a] as string) < (table.labels[b] as string) ? -1 : 1,
  );
  const score = new Float64Array(K);
  const decide = (item: number): Decision => {
    const votes = scores(item, score);
    const total = score.reduce((s, x) => s + x, 0);
    let best = 0;
    for (let l = 0; l < K; l++) best = Math.max(best, total > 0 ? (score[l] as number) / total : 0);
    const winners =
      best > 0 ? order.filter((l) => (score[l] as number) / total === best) : ([] as number[]);
    const tie = winners.length > 1;
    const given = table.confidenceOf(item);
    return {
      label: tie && tiePolicy === 'skip' ? -1 : (winners[0] ?? -1),
      confidence: given !== undefined && votes === 1 ? given : best,
      votes,
      tie,
    };
  };
  const { annotators, items, ties } = annotatorStats(table, decide);
  return {
    method,
    items,
    ties,
    annotators,
    iterations,
    converged,
    namer() {
      const named = new Uint8Array(Math.ceil(table.itemCount / 8));
      return (row) => {
        const item = table.itemOf(row.item);
        if (item < 0 || (named[item >> 3] as number) & (1 << (item & 7))) return undefined;
        named[item >> 3]! |= 1 << (item & 7);
        if (table.goldOf(item) >= 0) return undefined;
        const d = decide(item);
        return {
          item: row.item,
          label: d.label < 0 ? undefined : table.labels[d.label],
          confidence: d.confidence,
          votes: d.votes,
          tie: d.tie,
        };
      };
    },
  };
}

/** The named consensus of every scored item, in file order: for inputs small enough to hold. */
export function consensusOf(rows: Iterable<LabelRow>, result: AggregationResult): Consensus[] {
  const name = result.namer();
  const out: Consensus[] = [];
  for (const row of rows) {
    const c = name(row);
    if (c) out.push(c);
  }
  return out;
}

function chooseMethod(table: VoteTable): Exclude<AggregationMethod, 'auto'> {
  let repeated = 0;
  for (let item = 0; item < table.itemCount && repeated < 20; item++) {
    const first = table.firstVote(item);
    if (first >= 0 && table.nextVote(first) >= 0) repeated++;
  }
  if (repeated >= 20 && table.annotators.length >= 2) return 'dawid-skene';
  if (table.goldItems > 0) return 'gold-majority-vote';
  return 'majority-vote';
}

/** The plain majority label of an item (ties to the lower label number), or −1 without votes. */
function majorityOf(table: VoteTable, item: number, counts: Float64Array): number {
  if (table.countVotes(item, counts) === 0) return -1;
  return counts.indexOf(Math.max(...counts));
}

/** Wawa weights: the log-odds of each annotator's agreement with the plain majority. */
function agreementWeights(table: VoteTable): Float64Array {
  const agree = new Float64Array(table.annotators.length);
  const total = new Float64Array(table.annotators.length);
  const counts = new Float64Array(table.labels.length);
  for (let item = 0; item < table.itemCount; item++) {
    const majority = majorityOf(table, item, counts);
    for (let v = table.firstVote(item); v >= 0; v = table.nextVote(v)) {
      total[table.annotatorOf(v)]! += 1;
      if (table.labelOf(v) === majority) agree[table.annotatorOf(v)]! += 1;
    }
  }
  return agree.map((a, j) => {
    const rate = (a + 1) / ((total[j] as number) + 2);
    return Math.max(0, Math.log(rate / (1 - rate)));
  });
}

/** Pseudo-votes of the pooled gold accuracy each annotator's own gold record is shrunk toward. */
const GOLD_PRIOR_VOTES = 2;

/**
 * Annotator weights from gold tasks. Accuracy a_j = (correct_j + m·ā) / (gold votes_j + m), shrunk
 * toward the pooled gold accuracy ā of all annotators (a beta prior of m = 2 pseudo-votes; ā itself
 * Laplace-smoothed), so an annotator without gold counts as a typical annotator of this crowd, not
 * as a coin (a = ½ would give weight 0, and two agreeing annotators would lose to one with a single
 * gold task). The weight is the log-odds log((K−1)·a / (1−a)), optimal for weighted majority voting
 * with independent annotators whose errors spread evenly over the K−1 wrong labels (Nitzan & Paroush
 * 1982 for K = 2; Ben-Yashar & Paroush 2001, "Optimal decision rules for fixed-size committees in
 * polychotomous choice situations", for K > 2). Weights below 0 (no better than chance) count 0.
 */
function goldWeights(table: VoteTable): Float64Array {
  const correct = new Float64Array(table.annotators.length);
  const total = new Float64Array(table.annotators.length);
  for (let item = 0; item < table.itemCount; item++) {
    const gold = table.goldOf(item);
    if (gold < 0) continue;
    for (let v = table.firstVote(item); v >= 0; v = table.nextVote(v)) {
      total[table.annotatorOf(v)]! += 1;
      if (table.labelOf(v) === gold) correct[table.annotatorOf(v)]! += 1;
    }
  }
  const pooled = (correct.reduce((s, x) => s + x, 0) + 1) / (total.reduce((s, x) => s + x, 0) + 2);
  const k = Math.max(2, table.labels.length);
  return correct.map((c, a) => {
    const accuracy = (c + GOLD_PRIOR_VOTES * pooled) / ((total[a] as number) + GOLD_PRIOR_VOTES);
    return Math.max(0, Math.log((accuracy * (k - 1)) / (1 - accuracy)));
  });
}

/**
 * Dawid & Skene (1979) EM: each annotator has a confusion matrix π[j][true][given]; class priors p.
 * With few annotators the likelihood has equally good optima (trusting any one informative
 * annotator explains the data equally well), so the start matters: EM starts from a vote weighted
 * by accuracy on gold tasks when there are any, else by agreement with the plain majority (Wawa).
 * With two informative annotators, balanced classes and no gold, nothing in the data says which of
 * them is the better one (docs/labels.md). Gold tasks have their posterior fixed to the gold label;
 * additive smoothing keeps every π > 0. The seed only jitters the start, to break exact ties
 * reproducibly. Posteriors are one flat array, item-major (item·K + k).
 */
function dawidSkene(table: VoteTable, options: AggregationOptions) {
  const random = new SeededRandom(options.seed ?? 7);
  const weights = table.goldItems > 0 ? goldWeights(table) : agreementWeights(table);
  const K = table.labels.length;
  const start = new Float64Array(table.itemCount * K);
  const score = new Float64Array(K);
  for (let item = 0; item < table.itemCount; item++) {
    table.countVotes(item, score, weights);
    const total = score.reduce((s, x) => s + x, 0);
    for (let k = 0; k < K; k++)
      start[item * K + k] = (total > 0 ? (score[k] as number) / total : 0) + 1e-3 * random.next();
  }
  return runEm(table, start, options);
}

/** Per annotator, agreement with the decisions (and accuracy on gold); and the items and ties. */
function annotatorStats(table: VoteTable, decide: (item: number) => Decision) {
  const J = table.annotators.length;
  const votes = new Float64Array(J);
  const agree = new Float64Array(J);
  const goldVotes = new Float64Array(J);
  const goldCorrect = new Float64Array(J);
  let items = 0;
  let ties = 0;
  for (let item = 0; item < table.itemCount; item++) {
    const gold = table.goldOf(item);
    const chosen = gold >= 0 ? -1 : decide(item);
    if (chosen !== -1) {
      items++;
      if (chosen.label < 0) ties++;
    }
    for (let v = table.firstVote(item); v >= 0; v = table.nextVote(v)) {
      const a = table.annotatorOf(v);
      if (gold >= 0) {
        goldVotes[a]! += 1;
        if (table.labelOf(v) === gold) goldCorrect[a]! += 1;
      } else if (chosen !== -1 && chosen.label >= 0) {
        votes[a]! += 1;
        if (chosen.label === table.labelOf(v)) agree[a]! += 1;
      }
    }
  }
  const annotators = table.annotators
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
  return { annotators, items, ties };
}

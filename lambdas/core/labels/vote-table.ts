import { GrowableColumn } from '../util/growable-column.ts';
import type { LabelRow } from './label-row.ts';
import { NameIndex } from './name-index.ts';

/** Rows without an annotator (aggregated exports) vote as this one anonymous annotator. */
export const ANONYMOUS = '(no annotator)';

const NONE = -1;

/**
 * The votes of a label file in typed arrays: items are numbered by a fingerprint of their name
 * (names are not kept, see NameIndex), annotators and labels by an interned string. Each item's
 * votes form a chain (latest first), so a named annotator answering the same item again replaces
 * the earlier answer, and aggregation walks one item's votes without a per-item object. An item's
 * gold label, when a control task says so, is kept apart: gold tasks measure annotators and are
 * not scored. About 8 bytes per vote and 20 per item.
 */
export class VoteTable {
  readonly annotators: string[] = [];
  readonly labels: string[] = [];
  duplicates = 0;
  goldItems = 0;
  private readonly items = new NameIndex();
  private readonly annotatorIndex = new Map<string, number>();
  private readonly labelIndex = new Map<string, number>();
  /** Per vote. */
  private readonly voteAnnotators = new GrowableColumn('index');
  private readonly voteLabels = new GrowableColumn('index');
  private readonly previousVote = new GrowableColumn('int');
  /** Per item: its latest vote, gold label and the confidence the file gave (filled on first use). */
  private readonly latestVote = new GrowableColumn('int', NONE);
  private readonly goldLabels = new GrowableColumn('int', NONE);
  private readonly givenConfidence = new GrowableColumn('float', Number.NaN);

  static of(rows: Iterable<LabelRow>): VoteTable {
    const table = new VoteTable();
    for (const row of rows) table.add(row);
    return table;
  }

  private intern(map: Map<string, number>, list: string[], value: string): number {
    let i = map.get(value);
    if (i === undefined) {
      i = list.length;
      list.push(value);
      map.set(value, i);
    }
    return i;
  }

  add(row: LabelRow): void {
    const item = this.items.add(row.item);
    this.latestVote.ensureLength(item + 1);
    const label = this.intern(this.labelIndex, this.labels, row.label);
    if (row.goldLabel !== undefined) {
      this.goldLabels.ensureLength(item + 1);
      if (this.goldLabels.get(item) === NONE) this.goldItems++;
      this.goldLabels.set(item, this.intern(this.labelIndex, this.labels, row.goldLabel));
    }
    if (row.confidence !== undefined) {
      this.givenConfidence.ensureLength(item + 1);
      this.givenConfidence.set(item, row.confidence);
    }
    const annotator = this.intern(this.annotatorIndex, this.annotators, row.annotator ?? ANONYMOUS);
    if (row.annotator !== undefined) {
      for (let v = this.firstVote(item); v !== NONE; v = this.nextVote(v)) {
        if (this.annotatorOf(v) === annotator) {
          this.voteLabels.set(v, label);
          this.duplicates++;
          return;
        }
      }
    }
    this.voteAnnotators.push(annotator);
    this.voteLabels.push(label);
    this.previousVote.push(this.latestVote.get(item));
    this.latestVote.set(item, this.voteCount - 1);
  }

  get itemCount(): number {
    return this.items.size;
  }

  get voteCount(): number {
    return this.voteLabels.length;
  }

  /** The number of an item by its name as the file wrote it, or −1. */
  itemOf(name: string): number {
    return this.items.find(name);
  }

  /** The gold label of an item, or −1 when it is not a control task. */
  goldOf(item: number): number {
    return item < this.goldLabels.length ? this.goldLabels.get(item) : NONE;
  }

  /** The confidence the file gave for the item, to six decimals (it is stored as a float32). */
  confidenceOf(item: number): number | undefined {
    const value = item < this.givenConfidence.length ? this.givenConfidence.get(item) : Number.NaN;
    return Number.isNaN(value) ? undefined : Math.round(value * 1e6) / 1e6;
  }

  /** An item's votes: `for (let v = firstVote(i); v >= 0; v = nextVote(v))`. */
  firstVote(item: number): number {
    return this.latestVote.get(item);
  }

  nextVote(vote: number): number {
    return this.previousVote.get(vote);
  }

  annotatorOf(vote: number): number {
    return this.voteAnnotators.get(vote);
  }

  labelOf(vote: number): number {
    return this.voteLabels.get(vote);
  }

  /** Adds each of the item's votes into `counts[label]` (weighted per annotator when given). */
  countVotes(item: number, counts: Float64Array, weights?: Float64Array): number {
    counts.fill(0);
    let votes = 0;
    for (let v = this.firstVote(item); v !== NONE; v = this.nextVote(v)) {
      counts[this.labelOf(v)]! += weights
        ? Math.max(weights[this.annotatorOf(v)] as number, 1e-6)
        : 1;
      votes++;
    }
    return votes;
  }
}

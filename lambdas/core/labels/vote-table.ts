import type { LabelRow } from './label-row.ts';

/** An Int32Array that grows by doubling: millions of votes without boxed numbers. */
class Int32List {
  private data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i] as number;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }
}

/** Rows without an annotator (aggregated exports) vote as this one anonymous annotator. */
export const ANONYMOUS = '(no annotator)';

/**
 * Votes as interned integer triples (item, annotator, label) in typed arrays, compact enough for
 * files with millions of rows. An item's gold label, when a control task says so, is kept apart:
 * gold tasks measure annotators and are not scored as items. When a named annotator answers the
 * same item twice, the later answer replaces the earlier one (found through a per-item chain of
 * votes, not a map of string keys).
 */
export class VoteTable {
  readonly items: string[] = [];
  readonly annotators: string[] = [];
  readonly labels: string[] = [];
  /** Per item, a confidence the file itself gave (aggregated exports). */
  readonly givenConfidence = new Map<number, number>();
  readonly gold = new Map<number, number>();
  duplicates = 0;
  private readonly voteItems = new Int32List();
  private readonly voteAnnotators = new Int32List();
  private readonly voteLabels = new Int32List();
  /** Previous vote of the same item (−1 for none), and each item's latest vote. */
  private readonly previousVote = new Int32List();
  private readonly lastVote = new Int32List();
  private readonly itemIndex = new Map<string, number>();
  private readonly annotatorIndex = new Map<string, number>();
  private readonly labelIndex = new Map<string, number>();

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
    const known = this.itemIndex.size;
    const item = this.intern(this.itemIndex, this.items, row.item);
    if (item === known) this.lastVote.push(-1);
    const label = this.intern(this.labelIndex, this.labels, row.label);
    if (row.goldLabel !== undefined)
      this.gold.set(item, this.intern(this.labelIndex, this.labels, row.goldLabel));
    if (row.confidence !== undefined) this.givenConfidence.set(item, row.confidence);
    const annotator = this.intern(this.annotatorIndex, this.annotators, row.annotator ?? ANONYMOUS);
    if (row.annotator !== undefined) {
      for (let v = this.lastVote.get(item); v >= 0; v = this.previousVote.get(v)) {
        if (this.voteAnnotators.get(v) === annotator) {
          this.voteLabels.set(v, label);
          this.duplicates++;
          return;
        }
      }
    }
    const vote = this.voteItems.length;
    this.voteItems.push(item);
    this.voteAnnotators.push(annotator);
    this.voteLabels.push(label);
    this.previousVote.push(this.lastVote.get(item));
    this.lastVote.set(item, vote);
  }

  get voteCount(): number {
    return this.voteItems.length;
  }

  /** Calls fn for every vote. */
  forEachVote(fn: (item: number, annotator: number, label: number) => void): void {
    for (let v = 0; v < this.voteItems.length; v++)
      fn(this.voteItems.get(v), this.voteAnnotators.get(v), this.voteLabels.get(v));
  }

  /** Vote counts per item and label: counts[item][label]. */
  countsByItem(): Float64Array[] {
    const counts = this.items.map(() => new Float64Array(this.labels.length));
    this.forEachVote((item, _, label) => {
      (counts[item] as Float64Array)[label]! += 1;
    });
    return counts;
  }
}

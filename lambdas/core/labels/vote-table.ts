import type { LabelRow } from './label-row.ts';

/**
 * Votes as interned integer triples (item, annotator, label), compact enough for files with millions
 * of rows. An item's gold label, when a control task says so, is kept apart: gold tasks measure
 * annotators and are not scored as items.
 */
export class VoteTable {
  readonly items: string[] = [];
  readonly annotators: string[] = [];
  readonly labels: string[] = [];
  /** Per vote: item index, annotator index, label index. */
  private voteItems: number[] = [];
  private voteAnnotators: number[] = [];
  private voteLabels: number[] = [];
  /** Per item, a confidence the file itself gave (aggregated exports). */
  readonly givenConfidence = new Map<number, number>();
  readonly gold = new Map<number, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly annotatorIndex = new Map<string, number>();
  private readonly labelIndex = new Map<string, number>();
  /** Same (item, annotator) voting twice: the later vote replaces the earlier one. */
  private readonly seen = new Map<string, number>();
  duplicates = 0;

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
    const item = this.intern(this.itemIndex, this.items, row.item);
    const label = this.intern(this.labelIndex, this.labels, row.label);
    if (row.goldLabel !== undefined)
      this.gold.set(item, this.intern(this.labelIndex, this.labels, row.goldLabel));
    if (row.confidence !== undefined) this.givenConfidence.set(item, row.confidence);
    // Without an annotator each row is its own voter (an aggregated export has one row per item).
    const annotator = this.intern(
      this.annotatorIndex,
      this.annotators,
      row.annotator ?? `(row ${row.line})`,
    );
    const key = `${item}:${annotator}`;
    const existing = this.seen.get(key);
    if (existing !== undefined) {
      this.voteLabels[existing] = label;
      this.duplicates++;
      return;
    }
    this.seen.set(key, this.voteItems.length);
    this.voteItems.push(item);
    this.voteAnnotators.push(annotator);
    this.voteLabels.push(label);
  }

  get voteCount(): number {
    return this.voteItems.length;
  }

  /** Calls fn for every vote. */
  forEachVote(fn: (item: number, annotator: number, label: number) => void): void {
    for (let v = 0; v < this.voteItems.length; v++) {
      fn(
        this.voteItems[v] as number,
        this.voteAnnotators[v] as number,
        this.voteLabels[v] as number,
      );
    }
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

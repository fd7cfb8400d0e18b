import type { Consensus } from '../core/labels/aggregate-votes.ts';
import { parseItemRef } from '../core/labels/item-ref.ts';
import type { LabelRow } from '../core/labels/label-row.ts';
import type { LabelledImage } from '../core/labels/labelled-image.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { PredictionIndex, PredictionLookup } from '../ports/prediction-index.ts';

/** Consensus labels looked up, joined and saved together. */
const JOIN_BATCH = 1000;

export interface JoinCounts {
  labelled: number;
  unmatched: number;
  ambiguous: number;
  expired: number;
  withoutPrediction: number;
}

/**
 * Joins consensus labels with the predictions stored at profiling time and saves them, a batch at
 * a time, so a file of any size holds one batch. Within a batch the later label of an image wins
 * (a batch write may not name a key twice); across batches the store's replace does the same.
 * Remembers the prediction days the labels touched.
 */
export class LabelJoin {
  readonly counts: JoinCounts = {
    labelled: 0,
    unmatched: 0,
    ambiguous: 0,
    expired: 0,
    withoutPrediction: 0,
  };
  /** Prediction days touched, in order of first sight. */
  readonly days: string[] = [];
  private batch = new Map<string, Consensus & { label: string }>();

  constructor(
    private readonly dataset: string,
    private readonly source: string,
    private readonly deps: { readonly predictions: PredictionIndex; readonly labels: LabelStore },
    /** Told which day each joined item's prediction is on (1-based index into `days`). */
    private readonly onJoined?: (item: string, day: number) => void,
  ) {}

  /** A row that is already the image's label (no annotator): confidence as the file gave it, else 1. */
  addFinal(row: LabelRow): Promise<void> {
    const { item, label, confidence } = row;
    return this.add({ item, label, confidence: confidence ?? 1, votes: 1, tie: false });
  }

  async add(consensus: Consensus & { label: string }): Promise<void> {
    this.batch.delete(consensus.item);
    this.batch.set(consensus.item, consensus);
    if (this.batch.size >= JOIN_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = [...this.batch.values()];
    this.batch = new Map();
    const lookups = await this.deps.predictions.lookup(
      this.dataset,
      batch.map((c) => parseItemRef(c.item)),
    );
    // Two names (a key and a URL) can resolve to one image: the later one wins here too.
    const byKey = new Map<string, LabelledImage>();
    batch.forEach((c, i) => {
      const lookup = lookups[i] as PredictionLookup;
      if (lookup.status !== 'matched') {
        this.counts[lookup.status]++;
        return;
      }
      const { record } = lookup;
      if (record.prediction === undefined) {
        this.counts.withoutPrediction++;
        return;
      }
      byKey.set(record.key, {
        key: record.key,
        day: record.day,
        label: c.label,
        confidence: c.confidence,
        prediction: record.prediction,
        ...(record.confidence === undefined ? {} : { modelConfidence: record.confidence }),
        correct: c.label === record.prediction,
        source: this.source,
      });
      if (!this.days.includes(record.day)) this.days.push(record.day);
      this.onJoined?.(c.item, this.days.indexOf(record.day) + 1);
    });
    await this.deps.labels.saveLabels(this.dataset, [...byKey.values()]);
    this.counts.labelled += byKey.size;
  }
}

import type { ItemRef } from '../core/labels/item-ref.ts';

export interface PredictionMatch {
  readonly key: string;
  readonly day: string;
  readonly prediction?: string | undefined;
  /** The model's confidence in its prediction, when the serving system logged one. */
  readonly confidence?: number | undefined;
}

export type PredictionLookup =
  | { readonly status: 'matched'; readonly record: PredictionMatch }
  | { readonly status: 'unmatched' }
  /** A bare file name that names images on several days: never guessed. */
  | { readonly status: 'ambiguous'; readonly candidates: number }
  /** The prediction record passed its retention (TTL) before the label arrived. */
  | { readonly status: 'expired' };

/** The predictions stored at profiling time, found by key or file name. */
export interface PredictionIndex {
  /** One answer per reference, in order (a batch: adapters can fetch many keys per request). */
  lookup(dataset: string, refs: readonly ItemRef[]): Promise<PredictionLookup[]>;
  /** Images profiled on a day (for label coverage). */
  imagesOnDay(dataset: string, day: string): Promise<number>;
}

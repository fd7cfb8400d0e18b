import { type KllSketch, rankErrorOf } from '../sketches/kll-sketch.ts';
import type { Moments } from '../sketches/moments.ts';
import { dayVariationFloor, type NullDay, nullDay, overdispersedK, rmsK } from './day-variation.ts';
import type { BaselineKind } from './monitor-config.ts';
import { ksCriticalValue } from './numeric-distances.ts';

/** A distribution tested by KS: its sketch and its moments (image features and confidences alike). */
export interface SketchedColumn {
  readonly moments: Moments;
  readonly sketch: KllSketch;
}

/**
 * Each trailing day's D against the baseline: what normal days look like. Against the trailing
 * merge, which holds the day itself with weight w = n/m, D(merge, day) = (1 − w)·D(others, day)
 * exactly, so it is scaled back by 1/(1 − w) (leave-one-out without re-merging).
 */
export function leaveOneOutNullDays(
  kind: BaselineKind,
  base: KllSketch,
  days: Iterable<KllSketch | undefined>,
): NullDay[] {
  const out: NullDay[] = [];
  for (const day of days) {
    if (!day || day.isEmpty()) continue;
    const others = kind === 'trailing' ? base.n - day.n : base.n;
    if (others <= 0) continue;
    const scale = kind === 'trailing' ? base.n / others : 1;
    const normal = nullDay(base, day, others, scale);
    if (normal) out.push(normal);
  }
  return out;
}

/**
 * The KS noise floor for one test: the independent-draw floor c(α)·√((n+m)/(nm)) + ε_b + ε_t,
 * raised to the day-variation bound from the baseline days (day-variation.ts). Independent images
 * get the bound only when their days are clearly overdispersed; clustered ones always, and no
 * decision at all (undefined) before the days exist to measure their variation.
 */
export function ksFloor(options: {
  base: KllSketch;
  target: KllSketch;
  alpha: number;
  dayAlpha: number;
  nullDays: readonly NullDay[];
  clustered: boolean;
}): number | undefined {
  const { base, target, nullDays } = options;
  const n = base.n;
  const m = target.n;
  const errors = rankErrorOf(base) + rankErrorOf(target);
  const independent = ksCriticalValue(options.alpha) * Math.sqrt((n + m) / (n * m)) + errors;
  const kRms = options.clustered ? rmsK(nullDays) : overdispersedK(nullDays);
  if (kRms === undefined) return options.clustered ? undefined : independent;
  return Math.max(
    independent,
    dayVariationFloor(kRms, nullDays.length, options.dayAlpha, n, m) + errors,
  );
}

/** Whether the distribution moved up: by the median, or by the mean when the medians agree. */
export function movedUp(base: SketchedColumn, target: SketchedColumn): boolean {
  const before = base.sketch.quantile(0.5);
  const now = target.sketch.quantile(0.5);
  return now !== before ? now > before : target.moments.mean >= base.moments.mean;
}

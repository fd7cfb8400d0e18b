import type { DatasetProfile } from '../profile/dataset-profile.ts';
import type { KllSketch } from '../sketches/kll-sketch.ts';
import { stddev } from '../sketches/moments.ts';
import { chiSquareTwoSample } from './categorical-distances.ts';
import { categoricalDecision, ksDecision } from './default-decisions.ts';
import { DEFAULT_MONITORS, type DriftMonitor } from './monitor-config.ts';
import {
  equalWidthBinMasses,
  hellinger,
  jensenShannon,
  normalizedWasserstein,
  psi,
  quantileBinMasses,
} from './numeric-distances.ts';

export interface FeatureComparison {
  readonly feature: string;
  readonly type: 'numeric' | 'categorical';
  readonly baselineCount: number;
  readonly targetCount: number;
  /** KS D (numeric) or L∞ of category shares (categorical). */
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly hellinger: number;
  readonly psi?: number | undefined;
  readonly js: number;
  readonly wasserstein?: number | undefined;
  readonly chiSquarePValue?: number | undefined;
  /** WhyLabs' default: Hellinger on 30 equal-width bins over the joint range, alert above 0.7. */
  readonly whylabsHellinger?: number | undefined;
  readonly baselineMedian?: number | undefined;
  readonly targetMedian?: number | undefined;
}

const defaultDrift = DEFAULT_MONITORS.find(
  (m): m is DriftMonitor => m.kind === 'drift',
) as DriftMonitor;

/** Every distance for every feature present on both sides: the `driftwatch compare` table. */
export function compareProfiles(
  baseline: DatasetProfile,
  target: DatasetProfile,
  options: { alpha?: number; minEffect?: number } = {},
): FeatureComparison[] {
  const alpha = options.alpha ?? defaultDrift.alpha;
  const minEffect = options.minEffect ?? defaultDrift.minEffect;
  const rows: FeatureComparison[] = [];
  for (const [feature, t] of target.numeric) {
    const b = baseline.numeric.get(feature);
    if (!b || b.moments.count === 0 || t.moments.count === 0) continue;
    const { score, threshold } = ksDecision(b.sketch, t.sketch, alpha, minEffect);
    const bins = quantileBinMasses(b.sketch, t.sketch);
    rows.push({
      feature,
      type: 'numeric',
      baselineCount: b.moments.count,
      targetCount: t.moments.count,
      score,
      threshold,
      drifted: score > threshold,
      hellinger: hellinger(bins.baseline, bins.target),
      psi: psi(bins.baseline, bins.target),
      js: jensenShannon(bins.baseline, bins.target),
      wasserstein: normalizedWasserstein(b.sketch, t.sketch, stddev(b.moments) ?? 0),
      whylabsHellinger: whylabsHellinger(b.sketch, t.sketch),
      baselineMedian: b.sketch.quantile(0.5),
      targetMedian: t.sketch.quantile(0.5),
    });
  }
  for (const [feature, t] of target.categorical) {
    const b = baseline.categorical.get(feature);
    if (!b || b.items.total === 0 || t.items.total === 0) continue;
    const { shares, score, threshold } = categoricalDecision(b.items, t.items, alpha, minEffect);
    rows.push({
      feature,
      type: 'categorical',
      baselineCount: b.items.total,
      targetCount: t.items.total,
      score,
      threshold,
      drifted: score > threshold,
      hellinger: hellinger(shares.baseline, shares.target),
      js: jensenShannon(shares.baseline, shares.target),
      chiSquarePValue: chiSquareTwoSample(
        shares.baseline,
        shares.target,
        b.items.total,
        t.items.total,
      ).pValue,
      whylabsHellinger: hellinger(shares.baseline, shares.target),
    });
  }
  return rows;
}

/** WhyLabs' default drift score: 0 when both sketches span one value (DriftCalculation special case). */
export function whylabsHellinger(baseline: KllSketch, target: KllSketch): number {
  if (Math.min(baseline.min, target.min) === Math.max(baseline.max, target.max)) return 0;
  const wide = equalWidthBinMasses(baseline, target);
  return hellinger(wide.baseline, wide.target);
}

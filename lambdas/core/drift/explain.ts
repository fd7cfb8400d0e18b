import { numericFeatureSpec } from '../features/catalogue.ts';
import type { BaselineKind } from './monitor-config.ts';

export function baselineLabel(kind: BaselineKind | 'none', trailingDays?: number): string {
  switch (kind) {
    case 'reference':
      return 'the reference';
    case 'trailing':
      return trailingDays === undefined
        ? 'the trailing days'
        : `the trailing ${trailingDays} day${trailingDays === 1 ? '' : 's'}`;
    case 'fixed':
      return 'the fixed baseline range';
    case 'none':
      return 'its limits';
  }
}

/** "sharply" / "clearly" / "slightly", from a KS D or an L∞ share change (both in [0, 1]). */
export function strength(effect: number): string {
  return effect >= 0.6 ? 'sharply' : effect >= 0.3 ? 'clearly' : 'slightly';
}

/**
 * "sharply" / "clearly" / "slightly" for a move against peers, from its log ratio r: the relative
 * change |e^r − 1| beyond the fleet's own move (50% and 20%; the peer test needs |r| > 0.1).
 */
export function relativeStrength(logRatio: number): string {
  const change = Math.abs(Math.expm1(logRatio));
  return change >= 0.5 ? 'sharply' : change >= 0.2 ? 'clearly' : 'slightly';
}

/** Plain words for a numeric drift: "sharpness fell sharply against the reference: images are blurrier". */
export function explainNumericDrift(
  feature: string,
  direction: 'up' | 'down',
  effect: number,
  against: string,
): string {
  const spec = numericFeatureSpec(feature);
  const verb = direction === 'up' ? 'rose' : 'fell';
  const meaning = spec ? `: ${direction === 'up' ? spec.higher : spec.lower}` : '';
  return `${feature} ${verb} ${strength(effect)} against ${against}${meaning}`;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Plain words for a categorical drift: "colorspace changed against the reference: b-w 100% (was 0%)". */
export function explainCategoricalDrift(
  feature: string,
  item: string,
  baselineShare: number,
  targetShare: number,
  against: string,
): string {
  return `${feature} changed against ${against}: ${item} ${pct(targetShare)} (was ${pct(baselineShare)})`;
}

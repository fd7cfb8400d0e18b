import { numericFeatureSpec } from '../features/catalogue.ts';
import type { DatasetProfile, NumericColumn } from '../profile/dataset-profile.ts';
import { rankErrorOf } from '../sketches/kll-sketch.ts';
import { studentTQuantile } from '../stats/student-t.ts';
import type { Baselines } from './baselines.ts';
import { baselineLabel, strength } from './explain.ts';
import type { DriftMonitor } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import { ksCriticalValue, ksStatistic } from './numeric-distances.ts';

/**
 * Peer-relative drift: weather and season move every camera of a fleet together, a fault moves one
 * camera against its peers. For each feature and baseline, each segment's shift is
 *   δ_s = (median_today − median_baseline) / (|median_baseline| + IQR_baseline),
 * a relative change for level-like features and a change in spreads for near-zero ones. The fleet's
 * common move is the median δ; a segment fires when its residual r_s = δ_s − median(δ) is an outlier
 * among its peers, |r_s| > t_{S−1}(1 − α/(2S)) · 1.4826 · MAD(r) (robust z with a t critical value
 * for a spread estimated from S segments, Bonferroni over them), exceeds `minPeerEffect`, and the
 * segment itself really changed: its own D beats the independent-draw KS floor at α/S.
 * docs/monitors.md gives the assumptions and the measured false-alarm rate.
 */
export interface SegmentDay {
  readonly segment: string;
  readonly profile: DatasetProfile;
  readonly baselines: Baselines;
}

/** Smallest residual shift worth an alert: a tenth of the baseline level beyond the fleet's move. */
export const MIN_PEER_EFFECT = 0.1;
const MAD_TO_SIGMA = 1.4826;

interface Shift {
  readonly segment: string;
  readonly delta: number;
  readonly d: number;
  readonly floor: number;
  readonly before: number;
  readonly after: number;
}

export function evaluatePeerDrift(
  monitor: DriftMonitor,
  segments: readonly SegmentDay[],
  minPeers: number,
): MonitorResult[] {
  const results: MonitorResult[] = [];
  const active = segments.filter((s) => s.profile.images > 0);
  if (active.length < minPeers) return results;
  const alpha = monitor.alpha / active.length;
  for (const kind of monitor.baselines) {
    if (kind === 'fixed') continue;
    const features = new Set(active.flatMap((s) => [...s.profile.numeric.keys()]));
    for (const feature of features) {
      if (monitor.features !== 'all' && !monitor.features.includes(feature)) continue;
      const shifts = active
        .map((s) => shiftOf(s, feature, kind, alpha))
        .filter((x): x is Shift => x !== undefined);
      if (shifts.length < minPeers) continue;
      const common = median(shifts.map((s) => s.delta));
      const residuals = shifts.map((s) => s.delta - common);
      const spread = MAD_TO_SIGMA * median(residuals.map(Math.abs));
      const critical = studentTQuantile(monitor.peerAlpha / (2 * shifts.length), shifts.length - 1);
      shifts.forEach((shift, i) => {
        const residual = residuals[i] as number;
        const z =
          spread > 0 ? Math.abs(residual) / spread : residual === 0 ? 0 : Number.POSITIVE_INFINITY;
        const fired = z > critical && Math.abs(residual) > MIN_PEER_EFFECT && shift.d > shift.floor;
        if (!fired) return;
        results.push(peerResult(monitor, feature, kind, shift, residual, z, critical, common));
      });
    }
  }
  return results;
}

function shiftOf(
  day: SegmentDay,
  feature: string,
  kind: 'reference' | 'trailing',
  alpha: number,
): Shift | undefined {
  const base: NumericColumn | undefined = day.baselines[kind]?.numeric.get(feature);
  const column = day.profile.numeric.get(feature);
  if (!base || !column || base.moments.count === 0 || column.moments.count === 0) return undefined;
  const before = base.sketch.quantile(0.5);
  const after = column.sketch.quantile(0.5);
  const iqr = base.sketch.quantile(0.75) - base.sketch.quantile(0.25);
  const scale = Math.abs(before) + iqr;
  const delta =
    scale > 0 ? (after - before) / scale : after === before ? 0 : Math.sign(after - before);
  const n = base.sketch.n;
  const m = column.sketch.n;
  const floor =
    ksCriticalValue(alpha) * Math.sqrt((n + m) / (n * m)) +
    rankErrorOf(base.sketch) +
    rankErrorOf(column.sketch);
  return {
    segment: day.segment,
    delta,
    d: ksStatistic(base.sketch, column.sketch),
    floor,
    before,
    after,
  };
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
const signedPct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.round(Math.abs(x) * 100)}%`;

function peerResult(
  monitor: DriftMonitor,
  feature: string,
  kind: 'reference' | 'trailing',
  shift: Shift,
  residual: number,
  z: number,
  critical: number,
  common: number,
): MonitorResult {
  const up = residual > 0;
  const spec = numericFeatureSpec(feature);
  const meaning = spec ? `: ${up ? spec.higher : spec.lower}` : '';
  return {
    monitor: monitor.id,
    kind: 'drift',
    segment: shift.segment,
    feature,
    statistic: 'peer-z',
    score: z,
    threshold: critical,
    baseline: kind,
    fired: true,
    severity: monitor.severity ?? (shift.d >= 0.6 ? 'high' : 'medium'),
    direction: up ? 'up' : 'down',
    summary:
      `${shift.segment}: ${feature} ${up ? 'rose' : 'fell'} ${strength(Math.min(1, Math.abs(residual)))} against its peers` +
      `${meaning} (median ${fmt(shift.before)} → ${fmt(shift.after)} against ${baselineLabel(kind)}; ` +
      `the fleet moved ${signedPct(common)}, this segment ${signedPct(shift.delta)})`,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(mid)] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

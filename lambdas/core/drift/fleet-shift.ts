import { numericFeatureSpec } from '../features/catalogue.ts';
import type { DatasetProfile } from '../profile/dataset-profile.ts';
import { studentTQuantile } from '../stats/student-t.ts';
import { MIN_NULL_DAYS } from './day-variation.ts';
import { baselineLabel } from './explain.ts';
import type { DriftMonitor } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import {
  MIN_PEER_EFFECT,
  median,
  medianOf,
  pastShifts,
  rms,
  type SegmentDay,
  type Shift,
  shiftOf,
  signedPct,
} from './segment-shifts.ts';

/**
 * The whole fleet moving together further than the weather has moved it (statistic
 * `fleet-shift`): a fault on every camera is common-mode, like weather, so it is judged against
 * the common moves of the fleet's own past days.
 */
/**
 * Texture measures with a fixed threshold or a fixed floor (sensor noise, a step of one level, a
 * JPEG encoder), and sharpness, which light moves by its square down to the noise floor: light
 * moves them by amounts no log ratio makes equal across a fleet. Their fleet move is judged only
 * on light the fleet's history has met (fleetLightMet); sharpness against contrast stays judged.
 */
export const LIGHT_NONLINEAR_FEATURES = new Set([
  'sharpness',
  'noise',
  'flat.fraction',
  'isolated.fraction',
  'entropy',
  'file.bytes',
  'file.bytesPerPixel',
]);

/** How far (log units) today's fleet light may lie beyond its history's before those are set aside. */
const LIGHT_MARGIN = 0.05;

/**
 * The whole fleet moving together further than the weather has moved it: today's common move
 * (median δ) against the common moves of the trailing days, |c| > t_N(1 − α_fleet/2)·RMS(c_d). A
 * shift measured in the feature's own units does not saturate as KS does when every camera's
 * near-duplicate frames move past each other, so a fleet-wide blur stays visible on a day the
 * weather changed too.
 */
export function fleetMove(
  monitor: DriftMonitor,
  feature: string,
  kind: 'reference' | 'trailing',
  common: number,
  history: readonly number[],
): MonitorResult | undefined {
  if (history.length < MIN_NULL_DAYS || Math.abs(common) <= MIN_PEER_EFFECT) return undefined;
  const usual = rms(history);
  const critical = studentTQuantile(monitor.fleetAlpha / 2, history.length);
  const z = usual > 0 ? Math.abs(common) / usual : Number.POSITIVE_INFINITY;
  if (z <= critical) return undefined;
  const up = common > 0;
  const spec = numericFeatureSpec(feature);
  return {
    monitor: monitor.id,
    kind: 'drift',
    feature,
    statistic: 'fleet-shift',
    score: z,
    threshold: critical,
    baseline: kind,
    fired: true,
    severity: monitor.severity ?? (Math.abs(common) >= 0.5 ? 'high' : 'medium'),
    direction: up ? 'up' : 'down',
    summary:
      `${feature} ${up ? 'rose' : 'fell'} across the fleet${spec ? `: ${up ? spec.higher : spec.lower}` : ''} ` +
      `(the median camera moved ${signedPct(common)} against ${baselineLabel(kind)}; on normal days ±${Math.round(usual * 100)}%)`,
  };
}

/**
 * Sharpness against the light: the variance of the Laplacian scales with the square of contrast, so
 * ln(sharpness) − 2·ln(luma.contrast) does not move when the weather scales every camera's light,
 * while a blur still moves it by its whole size. Its fleet move is tested like any other
 * (fleetMove), for a fleet-wide blur on a day the weather moved too.
 */
export function lightInvariantFleetMove(
  monitor: DriftMonitor,
  segments: readonly SegmentDay[],
  kind: 'reference' | 'trailing',
): MonitorResult | undefined {
  const move = (s: SegmentDay, day: DatasetProfile): number | undefined => {
    const base = s.baselines[kind];
    const ratio = (p: DatasetProfile | undefined) => {
      const sharp = medianOf(p, 'sharpness');
      const contrast = medianOf(p, 'luma.contrast');
      if (sharp === undefined || contrast === undefined) return undefined;
      const value = sharp / contrast ** 2;
      return value > 0 && Number.isFinite(value) ? value : undefined;
    };
    const before = ratio(base);
    const after = ratio(day);
    return before === undefined || after === undefined ? undefined : Math.log(after / before);
  };
  const today = segments.flatMap((s) => {
    const m = move(s, s.profile);
    return m === undefined ? [] : [m];
  });
  if (today.length === 0) return undefined;
  const byDay = new Map<string, number[]>();
  for (const s of segments) {
    const days = s.baselines.trailingDays;
    if (kind === 'trailing' && days.length < 2) continue;
    const scale = kind === 'trailing' ? days.length / (days.length - 1) : 1;
    for (const day of days) {
      const m = move(s, day);
      if (m !== undefined)
        byDay.set(day.window.start, [...(byDay.get(day.window.start) ?? []), m * scale]);
    }
  }
  const history = [...byDay.values()].filter((v) => v.length >= 3).map(median);
  const result = fleetMove(monitor, 'sharpness', kind, median(today), history);
  return (
    result && {
      ...result,
      statistic: 'fleet-shift-vs-contrast',
      summary: `${result.summary.replace('sharpness', 'sharpness relative to contrast')}`,
    }
  );
}

/**
 * Whether today's fleet-wide light move (the median camera's luma.mean shift) lies within the light
 * moves of the history days, give or take LIGHT_MARGIN. Outside it the fleet meets light its
 * history never showed, and how light moves the threshold-bound texture measures is unknown.
 */
export function fleetLightMet(
  segments: readonly SegmentDay[],
  kind: 'reference' | 'trailing',
  alpha: number,
): boolean {
  const today = segments
    .map((s) => shiftOf(s, s.profile, 'luma.mean', kind, alpha))
    .filter((x): x is Shift => x !== undefined);
  if (today.length === 0) return true;
  const { commonMoves } = pastShifts(segments, 'luma.mean', kind, alpha);
  if (commonMoves.length === 0) return true;
  const light = median(today.map((s) => s.delta));
  return (
    light >= Math.min(0, ...commonMoves) - LIGHT_MARGIN &&
    light <= Math.max(0, ...commonMoves) + LIGHT_MARGIN
  );
}

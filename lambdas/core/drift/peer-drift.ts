import { numericFeatureSpec } from '../features/catalogue.ts';
import type { DatasetProfile, NumericColumn } from '../profile/dataset-profile.ts';
import { rankErrorOf } from '../sketches/kll-sketch.ts';
import { studentTQuantile } from '../stats/student-t.ts';
import type { Baselines } from './baselines.ts';
import { MIN_NULL_DAYS } from './day-variation.ts';
import { baselineLabel, strength } from './explain.ts';
import type { DriftMonitor } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import { ksCriticalValue, ksStatistic } from './numeric-distances.ts';

/**
 * Peer-relative drift: weather and season move every camera of a fleet together, a fault moves one
 * camera against its peers. For each feature and baseline, each segment's shift is
 *   δ_s = ln((median_today + IQR_baseline) / (median_baseline + IQR_baseline))
 * (relativeShift), a log ratio that weather moves equally for every camera. The fleet's
 * common move is the median δ; a segment fires when its residual r_s = δ_s − median(δ) is an outlier
 * among its peers, |r_s| > t_{S−1}(1 − α/(2S)) · 1.4826 · MAD(r) (robust z with a t critical value
 * for a spread estimated from S segments, Bonferroni over them) — or of its own past residuals on
 * its trailing days, whichever is larger — exceeds MIN_PEER_EFFECT, and the segment itself really
 * changed: its own D beats the independent-draw KS floor at α/S, or 0.5 (half its images moved
 * past its baseline) where a few frames a day cannot reach that floor. It must hold against every
 * baseline the segment has (its reference and its trailing days).
 * docs/monitors.md gives the assumptions and the measured false-alarm rate.
 */
export interface SegmentDay {
  readonly segment: string;
  readonly profile: DatasetProfile;
  readonly baselines: Baselines;
}

/** Smallest residual shift worth an alert: a tenth of the baseline level beyond the fleet's move. */
const MIN_PEER_EFFECT = 0.1;
const MAD_TO_SIGMA = 1.4826;
/**
 * Fractions of pixels past a fixed light level. Light changes move them non-linearly and
 * differently per scene (a bright scene starts to clip on a sunny day, a dark one to crush to
 * black on a dull one), so a camera moving against its peers there is weather, not a fault. They
 * stay in the camera's own tests and the whole dataset's.
 */
const LIGHT_THRESHOLD_FEATURES = new Set([
  'dark.fraction',
  'overexposed.fraction',
  'clipped.fraction',
]);
/** Angles: a log ratio means nothing for them, and a near-grey scene's hue angle is unstable. */
const CIRCULAR_FEATURES = new Set(['hue.circularMean']);
/**
 * Measured on the chromatic pixels only. In a grey scene (a textured wall, a greyscale camera) those
 * are a handful of pixels that sensor noise coloured, so their hues say nothing about the scene.
 */
const CHROMATIC_ONLY_FEATURES = new Set(['hue.circularMean', 'hue.concentration']);
/** Below this share of chromatic pixels in its baseline, a segment's hue is noise (see above). */
const MIN_CHROMATIC_SHARE = 0.05;
/** The light level itself: a fault that blows out or crushes a camera's pixels still shows here. */
const LIGHT_LEVEL_FEATURES = new Set([
  'brightness.mean',
  'brightness.stddev',
  'luma.mean',
  'luma.contrast',
]);
/**
 * A segment whose share of blown-out (or crushed-black) pixels moved by more than this against a
 * baseline is meeting light it clips differently: a bright scene on a sunny midday loses its
 * colour and texture to white. Its colour and texture moves against its peers are that clipping,
 * so only its light-level features are compared with its peers on that baseline.
 */
const CLIPPING_MOVE = 0.05;
/**
 * Texture measures with a fixed threshold or a fixed floor (sensor noise, a step of one level, a
 * JPEG encoder), and sharpness, which light moves by its square down to the noise floor: light
 * moves them by amounts no log ratio makes equal across a fleet. Their fleet move is judged only
 * on light the fleet's history has met (fleetLightMet); sharpness against contrast stays judged.
 */
const LIGHT_NONLINEAR_FEATURES = new Set([
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
 * Shares of pixels: a move below 0.1% of the pixels (one isolated pixel in a 160×120 frame is
 * 0.005%) is not one to compare, so the log ratio's offset is at least this.
 */
const PIXEL_SHARE_RESOLUTION = 1e-3;

/** The D that always counts as a real change of the segment, however few its images. */
const MIN_PEER_D = 0.5;
/** Past residuals come from a few days: their RMS is scaled up before it bounds today's. */
const OWN_SPREAD_FACTOR = 2;

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
  /** Per segment and feature, the baselines it could be compared against. */
  const compared = new Map<string, number>();
  const active = segments.filter((s) => s.profile.images > 0);
  if (active.length < minPeers) return results;
  const alpha = monitor.alpha / active.length;
  for (const kind of monitor.baselines) {
    if (kind === 'fixed') continue;
    const clipping = new Set(active.filter((s) => clippingMoved(s, kind)).map((s) => s.segment));
    const lightMet = fleetLightMet(active, kind, alpha);
    const features = new Set(active.flatMap((s) => [...s.profile.numeric.keys()]));
    for (const feature of features) {
      if (monitor.features !== 'all' && !monitor.features.includes(feature)) continue;
      if (LIGHT_THRESHOLD_FEATURES.has(feature) || CIRCULAR_FEATURES.has(feature)) continue;
      const shifts = active
        .map((s) => shiftOf(s, s.profile, feature, kind, alpha))
        .filter((x): x is Shift => x !== undefined);
      if (shifts.length < minPeers) continue;
      const common = median(shifts.map((s) => s.delta));
      const residuals = shifts.map((s) => s.delta - common);
      const peerSpread = MAD_TO_SIGMA * median(residuals.map(Math.abs));
      const { ownSpread, commonMoves } = pastShifts(active, feature, kind, alpha);
      const fleet =
        (lightMet || !LIGHT_NONLINEAR_FEATURES.has(feature)) &&
        fleetMove(monitor, feature, kind, common, commonMoves);
      if (fleet) results.push(fleet);
      const critical = studentTQuantile(monitor.peerAlpha / (2 * shifts.length), shifts.length - 1);
      shifts.forEach((shift, i) => {
        const id = `${shift.segment}\u0000${feature}`;
        compared.set(id, (compared.get(id) ?? 0) + 1);
        const residual = residuals[i] as number;
        const own = ownSpread.get(shift.segment);
        // A segment is first held to its own past residuals: some cameras answer the weather
        // differently from the fleet (a bright scene clips on sunny days).
        if (own === undefined) return;
        if (clipping.has(shift.segment) && !LIGHT_LEVEL_FEATURES.has(feature)) return;
        const spread = Math.max(peerSpread, OWN_SPREAD_FACTOR * own);
        const z =
          spread > 0 ? Math.abs(residual) / spread : residual === 0 ? 0 : Number.POSITIVE_INFINITY;
        const fired =
          z > critical &&
          Math.abs(residual) > MIN_PEER_EFFECT &&
          shift.d > Math.min(shift.floor, MIN_PEER_D);
        if (!fired) return;
        results.push(peerResult(monitor, feature, kind, shift, residual, z, critical, common));
      });
    }
    const sharpness = lightInvariantFleetMove(monitor, active, kind);
    if (
      sharpness &&
      !results.some((r) => r.feature === 'sharpness' && !r.segment && r.baseline === kind)
    )
      results.push(sharpness);
  }
  // A fault moves a camera against its reference and against its recent days alike; a move
  // against only one of them is a camera meeting weather it has not met in that baseline. (The
  // fleet-shift test stands alone: its bound already comes from the fleet's own past moves.)
  const fired = new Map<string, number>();
  for (const r of results) {
    const id = `${r.segment ?? ''}\u0000${r.feature}`;
    fired.set(id, (fired.get(id) ?? 0) + 1);
  }
  return results.filter((r) => {
    if (!r.segment) return true;
    const id = `${r.segment}\u0000${r.feature}`;
    return fired.get(id) === compared.get(id);
  });
}

/**
 * Per segment, the root-mean-square of its residuals against its peers on its trailing days: a
 * camera whose own response to the weather differs from the fleet's (a bright scene that clips
 * on sunny days) shows it there, and is held to that spread instead of the fleet's. Against the
 * trailing merge, which holds each day with weight ~1/N, shifts are scaled by N/(N − 1).
 */
function pastShifts(
  segments: readonly SegmentDay[],
  feature: string,
  kind: 'reference' | 'trailing',
  alpha: number,
): { ownSpread: Map<string, number>; commonMoves: number[] } {
  const byDay = new Map<string, { segment: string; delta: number }[]>();
  for (const s of segments) {
    const days = s.baselines.trailingDays;
    const scale = kind === 'trailing' && days.length > 1 ? days.length / (days.length - 1) : 1;
    if (kind === 'trailing' && days.length < 2) continue;
    for (const day of days) {
      const shift = shiftOf(s, day, feature, kind, alpha);
      if (!shift) continue;
      const label = day.window.start; // a day profile's window is its day
      byDay.set(label, [
        ...(byDay.get(label) ?? []),
        { segment: s.segment, delta: shift.delta * scale },
      ]);
    }
  }
  const squares = new Map<string, number[]>();
  const commonMoves: number[] = [];
  for (const shifts of byDay.values()) {
    if (shifts.length < 3) continue;
    const common = median(shifts.map((x) => x.delta));
    commonMoves.push(common);
    for (const { segment, delta } of shifts)
      squares.set(segment, [...(squares.get(segment) ?? []), (delta - common) ** 2]);
  }
  const out = new Map<string, number>();
  for (const [segment, values] of squares)
    if (values.length >= MIN_NULL_DAYS) out.set(segment, rms(values.map(Math.sqrt)));
  return { ownSpread: out, commonMoves };
}

const rms = (values: readonly number[]) =>
  Math.sqrt(values.reduce((a, b) => a + b * b, 0) / values.length);

/**
 * How far a median moved, in units that compare across cameras: for non-negative features the log
 * ratio ln((after + IQR)/(before + IQR)) — weather multiplies light, so it moves every camera by
 * the same log amount, and a 25× loss of sharpness reads as the large move it is instead of −96% —
 * and the change over |before| + IQR for features that can be negative. The baseline's IQR keeps a
 * feature near zero from turning a tiny change into a huge ratio.
 */
function relativeShift(before: number, after: number, iqr: number): number {
  if (after === before) return 0;
  if (before >= 0 && after >= 0) {
    const offset = Math.max(iqr, Number.MIN_VALUE);
    return Math.log((after + offset) / (before + offset));
  }
  const scale = Math.abs(before) + iqr;
  return scale > 0 ? (after - before) / scale : Math.sign(after - before);
}

/**
 * The whole fleet moving together further than the weather has moved it: today's common move
 * (median δ) against the common moves of the trailing days, |c| > t_N(1 − α_fleet/2)·RMS(c_d). A
 * shift measured in the feature's own units does not saturate as KS does when every camera's
 * near-duplicate frames move past each other, so a fleet-wide blur stays visible on a day the
 * weather changed too.
 */
function fleetMove(
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
function lightInvariantFleetMove(
  monitor: DriftMonitor,
  segments: readonly SegmentDay[],
  kind: 'reference' | 'trailing',
): MonitorResult | undefined {
  const move = (s: SegmentDay, day: DatasetProfile): number | undefined => {
    const base = s.baselines[kind];
    const ratio = (p: DatasetProfile | undefined) => {
      const sharp = p?.numeric.get('sharpness');
      const contrast = p?.numeric.get('luma.contrast');
      if (!sharp || !contrast || sharp.moments.count === 0 || contrast.moments.count === 0)
        return undefined;
      const value = sharp.sketch.quantile(0.5) / contrast.sketch.quantile(0.5) ** 2;
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

const medianOf = (profile: DatasetProfile | undefined, feature: string): number | undefined => {
  const column = profile?.numeric.get(feature);
  return column && column.moments.count > 0 ? column.sketch.quantile(0.5) : undefined;
};

/** Whether the segment's baseline has enough chromatic pixels for its hue to mean something. */
function chromatic(baseline: DatasetProfile | undefined): boolean {
  return (medianOf(baseline, 'chromatic.fraction') ?? 1) >= MIN_CHROMATIC_SHARE;
}

/** Whether the segment's share of blown-out or crushed pixels moved by more than CLIPPING_MOVE. */
function clippingMoved(segment: SegmentDay, kind: 'reference' | 'trailing'): boolean {
  const base = segment.baselines[kind];
  return ['overexposed.fraction', 'dark.fraction'].some((feature) => {
    const before = medianOf(base, feature);
    const after = medianOf(segment.profile, feature);
    return before !== undefined && after !== undefined && Math.abs(after - before) > CLIPPING_MOVE;
  });
}

/**
 * Whether today's fleet-wide light move (the median camera's luma.mean shift) lies within the light
 * moves of the history days, give or take LIGHT_MARGIN. Outside it the fleet meets light its
 * history never showed, and how light moves the threshold-bound texture measures is unknown.
 */
function fleetLightMet(
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

function shiftOf(
  segment: SegmentDay,
  day: DatasetProfile,
  feature: string,
  kind: 'reference' | 'trailing',
  alpha: number,
): Shift | undefined {
  const base: NumericColumn | undefined = segment.baselines[kind]?.numeric.get(feature);
  const column = day.numeric.get(feature);
  if (!base || !column || base.moments.count === 0 || column.moments.count === 0) return undefined;
  if (CHROMATIC_ONLY_FEATURES.has(feature) && !chromatic(segment.baselines[kind])) return undefined;
  const before = base.sketch.quantile(0.5);
  const after = column.sketch.quantile(0.5);
  const iqr = base.sketch.quantile(0.75) - base.sketch.quantile(0.25);
  const resolution = feature.endsWith('.fraction') ? PIXEL_SHARE_RESOLUTION : 0;
  const delta = relativeShift(before, after, Math.max(iqr, resolution));
  const n = base.sketch.n;
  const m = column.sketch.n;
  const floor =
    ksCriticalValue(alpha) * Math.sqrt((n + m) / (n * m)) +
    rankErrorOf(base.sketch) +
    rankErrorOf(column.sketch);
  return {
    segment: segment.segment,
    delta,
    d: ksStatistic(base.sketch, column.sketch),
    floor,
    before,
    after,
  };
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
/** A log-ratio shift as a percentage change (+35%, −96%). */
const signedPct = (x: number) => {
  const change = Math.expm1(x);
  return `${change >= 0 ? '+' : '−'}${Math.round(Math.abs(change) * 100)}%`;
};

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

import type { DatasetProfile, NumericColumn } from '../profile/dataset-profile.ts';
import { rankErrorOf } from '../sketches/kll-sketch.ts';
import type { Baselines } from './baselines.ts';
import { MIN_NULL_DAYS } from './day-variation.ts';
import { ksCriticalValue, ksStatistic } from './numeric-distances.ts';

/**
 * How far each segment of a fleet moved against a baseline, in units that compare across cameras
 * (docs/monitors.md, "Monitors per segment, peers and the whole fleet"): the shifts and past
 * residuals that the peer test (peer-drift.ts) and the fleet-wide test (fleet-shift.ts) judge.
 */
export interface SegmentDay {
  readonly segment: string;
  readonly profile: DatasetProfile;
  readonly baselines: Baselines;
}

/** Smallest residual shift worth an alert: a tenth of the baseline level beyond the fleet's move. */
export const MIN_PEER_EFFECT = 0.1;

/**
 * Measured on the chromatic pixels only. In a grey scene (a textured wall, a greyscale camera) those
 * are a handful of pixels that sensor noise coloured, so their hues say nothing about the scene.
 */
const CHROMATIC_ONLY_FEATURES = new Set(['hue.circularMean', 'hue.concentration']);

/** Below this share of chromatic pixels in its baseline, a segment's hue is noise (see above). */
const MIN_CHROMATIC_SHARE = 0.05;

/**
 * Shares of pixels: a move below 0.1% of the pixels (one isolated pixel in a 160×120 frame is
 * 0.005%) is not one to compare, so the log ratio's offset is at least this.
 */
const PIXEL_SHARE_RESOLUTION = 1e-3;

export interface Shift {
  readonly segment: string;
  readonly delta: number;
  readonly d: number;
  readonly floor: number;
  readonly before: number;
  readonly after: number;
}

export function shiftOf(
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

/**
 * Per segment, the root-mean-square of its residuals against its peers on its trailing days: a
 * camera whose own response to the weather differs from the fleet's (a bright scene that clips
 * on sunny days) shows it there, and is held to that spread instead of the fleet's. Against the
 * trailing merge, which holds each day with weight ~1/N, shifts are scaled by N/(N − 1).
 */
export function pastShifts(
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

export const rms = (values: readonly number[]) =>
  Math.sqrt(values.reduce((a, b) => a + b * b, 0) / values.length);

export const medianOf = (
  profile: DatasetProfile | undefined,
  feature: string,
): number | undefined => {
  const column = profile?.numeric.get(feature);
  return column && column.moments.count > 0 ? column.sketch.quantile(0.5) : undefined;
};

/** Whether the segment's baseline has enough chromatic pixels for its hue to mean something. */
function chromatic(baseline: DatasetProfile | undefined): boolean {
  return (medianOf(baseline, 'chromatic.fraction') ?? 1) >= MIN_CHROMATIC_SHARE;
}

/** A log-ratio shift as a percentage change (+35%, −96%). */
export const signedPct = (x: number) => {
  const change = Math.expm1(x);
  return `${change >= 0 ? '+' : '−'}${Math.round(Math.abs(change) * 100)}%`;
};

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(mid)] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

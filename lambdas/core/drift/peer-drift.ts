import { numericFeatureSpec } from '../features/catalogue.ts';
import { studentTQuantile } from '../stats/student-t.ts';
import { baselineLabel, relativeStrength } from './explain.ts';
import {
  fleetLightMet,
  fleetMove,
  LIGHT_NONLINEAR_FEATURES,
  lightInvariantFleetMove,
} from './fleet-shift.ts';
import type { DriftMonitor } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import {
  MIN_PEER_EFFECT,
  median,
  medianOf,
  pastShifts,
  type SegmentDay,
  type Shift,
  shiftOf,
  signedPct,
} from './segment-shifts.ts';

/**
 * Peer-relative drift: weather and season move every camera of a fleet together, a fault moves one
 * camera against its peers. For each feature and baseline, each segment's shift is
 *   δ_s = ln((median_today + IQR_baseline) / (median_baseline + IQR_baseline))
 * (relativeShift), a log ratio that weather moves equally for every camera. The fleet's
 * common move is the median δ; a segment fires when its residual r_s = δ_s − median(δ) is an outlier
 * among its peers, |r_s| > t_{S−1}(1 − α/(2S)) · 1.4826 · MAD(r) (robust z with a t critical value
 * for a spread estimated from S segments, Bonferroni over them; at 100 × α for a move beyond ln 2)
 * — or of its own past residuals on its trailing days, whichever is larger — exceeds
 * MIN_PEER_EFFECT, and the segment itself really
 * changed: its own D beats the independent-draw KS floor at α/S, or 0.5 (half its images moved
 * past its baseline) where a few frames a day cannot reach that floor. It must hold against every
 * baseline the segment has (its reference and its trailing days).
 * docs/monitors.md gives the assumptions and the measured false-alarm rate.
 */

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
 * Counts of rows, so coarse: at 120 rows one row is 0.8%, and which rows beside an edge fall below
 * a quarter of its step moves with the light against the sensor's noise. A camera's median moving
 * by one row read as a 30% move against its peers on clean days of the synthetic 100-camera fleet
 * (5 of 30 alerted). A pixelated camera is named by its isolated pixels and sharpness instead, and
 * the feature stays in the camera's own tests and the whole dataset's.
 */
const ROW_COUNT_FEATURES = new Set(['repeated.fraction']);
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
 * A move by a factor of 2 or more beyond the fleet's (|r| ≥ ln 2) needs less evidence: the peer
 * critical value at GROSS_ALPHA_FACTOR × peerAlpha. A camera whose sharpness wobbles ±13% with the
 * weather has a spread that hides even a five-fold loss from the strict bound (z 4.8 < 7.8, natural
 * photo fleet at 640×480), while no clean fleet day has moved a segment by more than 0.59 beyond
 * its peers (docs/monitors.md).
 */
const GROSS_PEER_EFFECT = Math.LN2;
const GROSS_ALPHA_FACTOR = 100;
/** The D that always counts as a real change of the segment, however few its images. */
const MIN_PEER_D = 0.5;
/** Past residuals come from a few days: their RMS is scaled up before it bounds today's. */
const OWN_SPREAD_FACTOR = 2;

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
      if (
        LIGHT_THRESHOLD_FEATURES.has(feature) ||
        CIRCULAR_FEATURES.has(feature) ||
        ROW_COUNT_FEATURES.has(feature)
      )
        continue;
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
      const criticalAt = (alpha: number) =>
        studentTQuantile(Math.min(0.5, alpha) / (2 * shifts.length), shifts.length - 1);
      const strict = criticalAt(monitor.peerAlpha);
      const gross = criticalAt(GROSS_ALPHA_FACTOR * monitor.peerAlpha);
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
        const critical = Math.abs(residual) >= GROSS_PEER_EFFECT ? gross : strict;
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

/** Whether the segment's share of blown-out or crushed pixels moved by more than CLIPPING_MOVE. */
function clippingMoved(segment: SegmentDay, kind: 'reference' | 'trailing'): boolean {
  const base = segment.baselines[kind];
  return ['overexposed.fraction', 'dark.fraction'].some((feature) => {
    const before = medianOf(base, feature);
    const after = medianOf(segment.profile, feature);
    return before !== undefined && after !== undefined && Math.abs(after - before) > CLIPPING_MOVE;
  });
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);

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
      `${shift.segment}: ${feature} ${up ? 'rose' : 'fell'} ${relativeStrength(residual)} against its peers` +
      `${meaning} (median ${fmt(shift.before)} → ${fmt(shift.after)} against ${baselineLabel(kind)}; ` +
      `the fleet moved ${signedPct(common)}, this segment ${signedPct(shift.delta)})`,
  };
}

import type { DatasetProfile, NumericColumn } from '../profile/dataset-profile.ts';
import { unreadableTotal } from '../profile/dataset-profile.ts';
import { stddev } from '../sketches/moments.ts';
import type { Baselines } from './baselines.ts';
import { MIN_NULL_DAYS, type NullDay } from './day-variation.ts';
import { categoricalDecision } from './default-decisions.ts';
import { baselineLabel, explainCategoricalDrift, explainNumericDrift } from './explain.ts';
import { ksFloor, leaveOneOutNullDays, movedUp } from './ks-floor.ts';
import type {
  BaselineKind,
  DriftMonitor,
  Monitor,
  MonitorConfig,
  Severity,
  SummaryMetric,
} from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import {
  hellinger,
  jensenShannon,
  ksStatistic,
  normalizedWasserstein,
  psi,
  quantileBinMasses,
} from './numeric-distances.ts';
import { stddevBandDecision } from './prediction-band.ts';
import { evaluatePredictionDrift } from './prediction-drift.ts';

/** What is being evaluated: the whole dataset or one of its segments. */
export interface EvaluationScope {
  /** The segment (camera, site, device); undefined for the whole dataset. */
  readonly segment?: string | undefined;
  /**
   * How many scopes share the false-alarm budget: a segment's drift tests run at α / segments
   * (Bonferroni), so 100 cameras do not mean 100× the false alarms.
   */
  readonly family?: number | undefined;
  /**
   * The images are clustered (the dataset has segments, or this is one segment): the day-variation
   * bound applies whenever enough baseline days exist, not only when they look overdispersed.
   */
  readonly clustered?: boolean | undefined;
}

/**
 * Evaluates every image monitor of the config for one day's profile against its baselines.
 * Performance monitors are evaluated where labels are joined, not here. Pure and deterministic.
 */
export function evaluateMonitors(
  config: MonitorConfig,
  target: DatasetProfile,
  baselines: Baselines,
  scope: EvaluationScope = {},
): MonitorResult[] {
  const results: MonitorResult[] = [];
  for (const monitor of config.monitors) {
    switch (monitor.kind) {
      case 'drift':
        results.push(...evaluateDrift(monitor, target, baselines, scope));
        break;
      case 'prediction-drift':
        // Whole dataset only: a segment's few predictions a day rarely support a test of their own.
        if (!scope.segment) results.push(...evaluatePredictionDrift(monitor, target, baselines));
        break;
      case 'fixed-range':
        if (!scope.segment) results.push(...evaluateFixedRange(monitor, target));
        break;
      case 'stddev-band':
        if (!scope.segment) results.push(...evaluateStddevBand(monitor, target, baselines));
        break;
      case 'volume':
        results.push(...evaluateVolume(monitor, target, baselines, scope.segment));
        break;
      case 'data-quality':
        results.push(...evaluateDataQuality(monitor, target));
        break;
      case 'performance':
        break;
    }
  }
  return scope.segment ? results.map((r) => inSegment(r, scope.segment as string)) : results;
}

/** A result of one segment: tagged, and its words say which segment ("cam07: sharpness fell …"). */
function inSegment(result: MonitorResult, segment: string): MonitorResult {
  return { ...result, segment, summary: `${segment}: ${result.summary}` };
}

function evaluateDrift(
  monitor: DriftMonitor,
  target: DatasetProfile,
  baselines: Baselines,
  scope: EvaluationScope,
): MonitorResult[] {
  const results: MonitorResult[] = [];
  const alpha = monitor.alpha / Math.max(1, scope.family ?? 1);
  // Clustered frames (a fleet's cameras, one camera's near-duplicates) vary from day to day in ways
  // one day cannot show: their drift tests wait for the days that measure it.
  if (scope.clustered && baselines.trailingDays.length < MIN_NULL_DAYS) return [];
  for (const kind of monitor.baselines) {
    const baseline = baselines[kind];
    if (!baseline) continue;
    const against = baselineLabel(
      kind,
      kind === 'trailing' ? baselines.trailingDays.length : undefined,
    );
    for (const [feature, column] of target.numeric) {
      if (monitor.features !== 'all' && !monitor.features.includes(feature)) continue;
      const base = baseline.numeric.get(feature);
      if (!base || base.moments.count === 0 || column.moments.count === 0) continue;
      const floor = ksFloor({
        base: base.sketch,
        target: column.sketch,
        alpha,
        dayAlpha: monitor.dayAlpha,
        nullDays: nullDaysOf(feature, kind, baseline, baselines),
        clustered: scope.clustered ?? false,
      });
      if (floor === undefined) continue;
      results.push(numericDrift(monitor, feature, base, column, kind, against, floor));
    }
    for (const [feature, column] of target.categorical) {
      if (monitor.features !== 'all' && !monitor.features.includes(feature)) continue;
      const base = baseline.categorical.get(feature);
      if (!base || base.items.total === 0 || column.items.total === 0) continue;
      const { largestMove, score, threshold } = categoricalDecision(
        base.items,
        column.items,
        alpha,
        monitor.minEffect,
      );
      results.push({
        monitor: monitor.id,
        kind: 'drift',
        feature,
        statistic: 'linf',
        score,
        threshold,
        baseline: kind,
        fired: score > threshold,
        severity: monitor.severity ?? (score >= 0.6 ? 'high' : 'medium'),
        direction: 'changed',
        summary: explainCategoricalDrift(
          feature,
          largestMove.item,
          largestMove.before,
          largestMove.after,
          against,
        ),
      });
    }
  }
  return results;
}

/** The baseline days' D for one feature, leave-one-out against a trailing merge. */
function nullDaysOf(
  feature: string,
  kind: BaselineKind,
  baseline: DatasetProfile,
  baselines: Baselines,
): NullDay[] {
  const base = baseline.numeric.get(feature);
  if (!base) return [];
  return leaveOneOutNullDays(
    kind,
    base.sketch,
    baselines.trailingDays.map((day) => day.numeric.get(feature)?.sketch),
  );
}

function numericDrift(
  monitor: DriftMonitor,
  feature: string,
  base: NumericColumn,
  column: NumericColumn,
  kind: BaselineKind,
  against: string,
  floor: number,
): MonitorResult {
  const d = ksStatistic(base.sketch, column.sketch);
  let score: number;
  let threshold: number;
  if (monitor.statistic === 'ks') {
    score = d;
    threshold = Math.max(floor, monitor.minEffect);
  } else {
    const masses = quantileBinMasses(base.sketch, column.sketch);
    score =
      monitor.statistic === 'hellinger'
        ? hellinger(masses.baseline, masses.target)
        : monitor.statistic === 'psi'
          ? psi(masses.baseline, masses.target)
          : monitor.statistic === 'js'
            ? jensenShannon(masses.baseline, masses.target)
            : normalizedWasserstein(base.sketch, column.sketch, stddev(base.moments) ?? 0);
    threshold = monitor.threshold ?? Number.POSITIVE_INFINITY;
  }
  const up = movedUp(base, column);
  const fired = score > threshold;
  // High exactly when the digest says "sharply" (D ≥ 0.6): most of the distribution moved.
  const severity: Severity = monitor.severity ?? (d >= 0.6 ? 'high' : 'medium');
  return {
    monitor: monitor.id,
    kind: 'drift',
    feature,
    statistic: monitor.statistic,
    score,
    threshold,
    baseline: kind,
    fired,
    severity,
    direction: up ? 'up' : 'down',
    summary: explainNumericDrift(feature, up ? 'up' : 'down', d, against),
  };
}

/** A summary metric of one feature in a profile; undefined when the feature has no values. */
export function summaryMetric(
  profile: DatasetProfile,
  feature: string,
  metric: SummaryMetric,
): number | undefined {
  const c = profile.numeric.get(feature);
  if (!c) return undefined;
  if (metric === 'missingFraction') {
    const total = c.moments.count + c.missing;
    return total === 0 ? undefined : c.missing / total;
  }
  if (c.moments.count === 0) return undefined;
  switch (metric) {
    case 'mean':
      return c.moments.mean;
    case 'stddev':
      return stddev(c.moments);
    case 'median':
      return c.sketch.quantile(0.5);
    case 'p05':
      return c.sketch.quantile(0.05);
    case 'p95':
      return c.sketch.quantile(0.95);
    case 'min':
      return c.moments.min;
    case 'max':
      return c.moments.max;
  }
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);

function evaluateFixedRange(
  monitor: Extract<Monitor, { kind: 'fixed-range' }>,
  target: DatasetProfile,
): MonitorResult[] {
  const value = summaryMetric(target, monitor.feature, monitor.metric);
  if (value === undefined) return [];
  const below = monitor.min !== undefined && value < monitor.min;
  const above = monitor.max !== undefined && value > monitor.max;
  const bound = below
    ? (monitor.min as number)
    : above
      ? (monitor.max as number)
      : (monitor.max ?? monitor.min ?? 0);
  const range = `[${monitor.min === undefined ? '−∞' : fmt(monitor.min)}, ${monitor.max === undefined ? '∞' : fmt(monitor.max)}]`;
  return [
    {
      monitor: monitor.id,
      kind: monitor.kind,
      feature: monitor.feature,
      statistic: monitor.metric,
      score: value,
      threshold: bound,
      baseline: 'none',
      fired: below || above,
      severity: monitor.severity ?? 'medium',
      direction: below ? 'down' : above ? 'up' : undefined,
      summary: `${monitor.feature} ${monitor.metric} is ${fmt(value)}, ${below || above ? 'outside' : 'inside'} ${range}`,
    },
  ];
}

function evaluateStddevBand(
  monitor: Extract<Monitor, { kind: 'stddev-band' }>,
  target: DatasetProfile,
  baselines: Baselines,
): MonitorResult[] {
  const history = baselines.trailingDays
    .map((p) => summaryMetric(p, monitor.feature, monitor.metric))
    .filter((x): x is number => x !== undefined);
  const value = summaryMetric(target, monitor.feature, monitor.metric);
  if (value === undefined || history.length < monitor.minDays) return [];
  const { mean, distance, limit, fired } = stddevBandDecision(history, value, monitor.sigmas);
  return [
    {
      monitor: monitor.id,
      kind: monitor.kind,
      feature: monitor.feature,
      statistic: `${monitor.metric}-sigmas`,
      score: distance,
      threshold: limit,
      baseline: 'trailing',
      fired,
      severity: monitor.severity ?? 'medium',
      direction: value >= mean ? 'up' : 'down',
      summary: `${monitor.feature} ${monitor.metric} is ${fmt(value)}, ${Number.isFinite(distance) ? distance.toFixed(1) : '∞'}σ from the trailing mean ${fmt(mean)} (the ${monitor.sigmas}σ band is ±${limit.toFixed(1)}σ with ${history.length} trailing days)`,
    },
  ];
}

function evaluateVolume(
  monitor: Extract<Monitor, { kind: 'volume' }>,
  target: DatasetProfile,
  baselines: Baselines,
  segment?: string,
): MonitorResult[] {
  const counts = baselines.trailingDays
    .map((p) => p.images + unreadableTotal(p))
    .sort((a, b) => a - b);
  if (counts.length < monitor.minDays) return [];
  const mid = counts.length / 2;
  const median =
    counts.length % 2
      ? (counts[Math.floor(mid)] as number)
      : ((counts[mid - 1] as number) + (counts[mid] as number)) / 2;
  const count = target.images + unreadableTotal(target);
  const ratio = median > 0 ? count / median : count > 0 ? Number.POSITIVE_INFINITY : 1;
  const low = ratio < monitor.minRatio;
  // A segment is judged on silence and drops only: one camera sending more is not a fault.
  const high = !segment && ratio > monitor.maxRatio;
  const who = segment ? 'sent' : 'arrived';
  const summary =
    count === 0 && median > 0
      ? `${segment ? 'sent no images' : 'no files arrived'} today; trailing median ${median}`
      : `${count} file${count === 1 ? '' : 's'} ${who} today, ${ratio.toFixed(2)}× the trailing median of ${median}`;
  return [
    {
      monitor: monitor.id,
      kind: monitor.kind,
      statistic: 'volume-ratio',
      score: ratio,
      threshold: low || segment ? monitor.minRatio : monitor.maxRatio,
      baseline: 'trailing',
      fired: low || high,
      severity: monitor.severity ?? (count === 0 ? 'high' : 'medium'),
      direction: low ? 'down' : high ? 'up' : undefined,
      summary,
    },
  ];
}

function evaluateDataQuality(
  monitor: Extract<Monitor, { kind: 'data-quality' }>,
  target: DatasetProfile,
): MonitorResult[] {
  const bad = unreadableTotal(target);
  const total = target.images + bad;
  if (total === 0) return [];
  const fraction = bad / total;
  const reasons = Object.entries(target.unreadable)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  return [
    {
      monitor: monitor.id,
      kind: monitor.kind,
      statistic: 'unreadable-fraction',
      score: fraction,
      threshold: monitor.maxUnreadableFraction,
      baseline: 'none',
      fired: fraction > monitor.maxUnreadableFraction,
      severity: monitor.severity ?? 'high',
      direction: 'up',
      summary: `${bad} of ${total} files could not be read${reasons ? ` (${reasons})` : ''}`,
    },
  ];
}

import type { DatasetProfile } from '../profile/dataset-profile.ts';
import {
  type ConfidenceColumn,
  dominantVersion,
  UNKNOWN_MODEL_VERSION,
  type VersionOutputs,
} from '../profile/model-outputs.ts';
import type { Baselines } from './baselines.ts';
import type { NullDay } from './day-variation.ts';
import { categoricalDecision } from './default-decisions.ts';
import { baselineLabel, strength } from './explain.ts';
import { ksFloor, leaveOneOutNullDays, movedUp } from './ks-floor.ts';
import type { BaselineKind, Monitor, Severity } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import { ksStatistic } from './numeric-distances.ts';

export type PredictionDriftMonitor = Extract<Monitor, { kind: 'prediction-drift' }>;

/** Statistic of the result that announces a model version first seen today. */
export const NEW_MODEL_VERSION = 'new-model-version';

/**
 * Prediction drift (Rabanser et al., "Failing Loudly", NeurIPS 2019: two-sample tests on the
 * model's outputs were the strongest black-box shift detector). For the model version behind most
 * of today's predictions, against the same version's outputs in each baseline:
 *  - the predicted-class mix: L∞ of class shares against max(c(α)·√((n+m)/nm), minEffect), as the
 *    categorical image features;
 *  - the confidence distribution: KS D against the same n-aware floor as the numeric image features
 *    (raised to the day-variation bound when the baseline days are overdispersed), overall and per
 *    predicted class (α split over the classes tested: Bonferroni).
 * A version no baseline has seen is announced (severity low) instead of being compared with
 * another model's outputs: a new model is expected to predict differently. Pure.
 */
export function evaluatePredictionDrift(
  monitor: PredictionDriftMonitor,
  target: DatasetProfile,
  baselines: Baselines,
): MonitorResult[] {
  const version = dominantVersion(target.outputs);
  if (version === undefined) return [];
  const today = target.outputs.byVersion.get(version) as VersionOutputs;
  const results: MonitorResult[] = [];
  const seenBefore = [baselines.reference, ...baselines.trailingDays, baselines.fixed].some(
    (p) => (p?.outputs.byVersion.get(version)?.classes.total ?? 0) > 0,
  );
  const otherVersions = [baselines.reference, ...baselines.trailingDays].some(
    (p) => p !== undefined && p.outputs.byVersion.size > 0,
  );
  if (!seenBefore && otherVersions && version !== UNKNOWN_MODEL_VERSION) {
    results.push(announce(monitor, version, today.classes.total, target, baselines));
    return results;
  }
  for (const kind of monitor.baselines) {
    const baseline = baselines[kind];
    const base = baseline?.outputs.byVersion.get(version);
    if (!base || base.classes.total === 0) continue;
    const against = baselineLabel(
      kind,
      kind === 'trailing' ? baselines.trailingDays.length : undefined,
    );
    results.push(classMix(monitor, base, today, kind, against));
    const confidence = confidenceDrift(monitor, {
      feature: 'confidence',
      base: base.confidence,
      today: today.confidence,
      alpha: monitor.alpha,
      nullDays: nullDaysOf(kind, base.confidence, baselines, version, (v) => v.confidence),
      kind,
      against,
    });
    if (confidence) results.push(confidence);
    if (!monitor.perClass) continue;
    const classes = [...today.byClass.keys()].filter(
      (c) => (base.byClass.get(c)?.moments.count ?? 0) > 0,
    );
    for (const name of classes) {
      const baseColumn = base.byClass.get(name) as ConfidenceColumn;
      const result = confidenceDrift(monitor, {
        feature: `confidence:${name}`,
        base: baseColumn,
        today: today.byClass.get(name) as ConfidenceColumn,
        alpha: monitor.alpha / classes.length,
        nullDays: nullDaysOf(kind, baseColumn, baselines, version, (v) => v.byClass.get(name)),
        kind,
        against,
        className: name,
      });
      if (result) results.push(result);
    }
  }
  return results;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const label = (version: string) => (version === UNKNOWN_MODEL_VERSION ? 'unnamed' : version);

function announce(
  monitor: PredictionDriftMonitor,
  version: string,
  predictions: number,
  target: DatasetProfile,
  baselines: Baselines,
): MonitorResult {
  const share = predictions / Math.max(1, predictionTotal(target));
  const previous = [
    ...((baselines.trailingDays.at(-1) ?? baselines.reference)?.outputs.byVersion.keys() ?? []),
  ]
    .map(label)
    .join(', ');
  return {
    monitor: monitor.id,
    kind: 'prediction-drift',
    feature: 'model-version',
    statistic: NEW_MODEL_VERSION,
    score: share,
    threshold: 0,
    baseline: 'none',
    fired: true,
    severity: 'low',
    direction: 'changed',
    summary: `new model version ${label(version)} made ${pct(share)} of today's predictions${previous ? ` (before: ${previous})` : ''}; its outputs are compared only with its own days from now on`,
  };
}

function predictionTotal(profile: DatasetProfile): number {
  let n = 0;
  for (const v of profile.outputs.byVersion.values()) n += v.classes.total;
  return n;
}

function classMix(
  monitor: PredictionDriftMonitor,
  base: VersionOutputs,
  today: VersionOutputs,
  kind: BaselineKind,
  against: string,
): MonitorResult {
  const { largestMove, score, threshold } = categoricalDecision(
    base.classes,
    today.classes,
    monitor.alpha,
    monitor.minEffect,
  );
  return {
    monitor: monitor.id,
    kind: 'prediction-drift',
    feature: 'prediction',
    statistic: 'linf',
    score,
    threshold,
    baseline: kind,
    fired: score > threshold,
    severity: monitor.severity ?? (score >= 0.3 ? 'high' : 'medium'),
    direction: 'changed',
    summary: `the model's predicted classes changed ${strength(score)} against ${against}: "${largestMove.item}" is ${pct(largestMove.after)} of predictions (was ${pct(largestMove.before)})`,
  };
}

function confidenceDrift(
  monitor: PredictionDriftMonitor,
  test: {
    feature: string;
    base: ConfidenceColumn;
    today: ConfidenceColumn;
    alpha: number;
    nullDays: readonly NullDay[];
    kind: BaselineKind;
    against: string;
    className?: string;
  },
): MonitorResult | undefined {
  const { base, today } = test;
  if (base.sketch.isEmpty() || today.sketch.isEmpty()) return undefined;
  const score = ksStatistic(base.sketch, today.sketch);
  const floor = ksFloor({
    base: base.sketch,
    target: today.sketch,
    alpha: test.alpha,
    dayAlpha: monitor.dayAlpha,
    nullDays: test.nullDays,
    clustered: false,
  }) as number; // only clustered tests can be undecided
  const threshold = Math.max(floor, monitor.minEffect);
  const before = base.sketch.quantile(0.5);
  const now = today.sketch.quantile(0.5);
  const up = movedUp(base, today);
  const severity: Severity = monitor.severity ?? (score >= 0.6 ? 'high' : 'medium');
  const whose = test.className ? ` in "${test.className}" predictions` : '';
  return {
    monitor: monitor.id,
    kind: 'prediction-drift',
    feature: test.feature,
    statistic: 'ks',
    score,
    threshold,
    baseline: test.kind,
    fired: score > threshold,
    severity,
    direction: up ? 'up' : 'down',
    summary: `the model's confidence${whose} ${up ? 'rose' : 'fell'} ${strength(score)} against ${test.against}: median ${before.toFixed(2)} → ${now.toFixed(2)}`,
  };
}

/** Each trailing day's D for this column against the baseline, leave-one-out as the image features do. */
function nullDaysOf(
  kind: BaselineKind,
  base: ConfidenceColumn,
  baselines: Baselines,
  version: string,
  columnOf: (v: VersionOutputs) => ConfidenceColumn | undefined,
): NullDay[] {
  return leaveOneOutNullDays(
    kind,
    base.sketch,
    baselines.trailingDays.map((day) => {
      const v = day.outputs.byVersion.get(version);
      return v ? columnOf(v)?.sketch : undefined;
    }),
  );
}

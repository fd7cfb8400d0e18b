import { compareDays } from '../drift/baselines.ts';
import type { Monitor, MonitorConfig } from '../drift/monitor-config.ts';
import type { MonitorResult } from '../drift/monitor-result.ts';
import { type ConfusionMatrix, mergeMatrices } from './confusion-matrix.ts';
import type { EstimatedPerformance } from './estimated-performance.ts';
import { performanceMetrics } from './metrics.ts';
import type { PerformanceRecord } from './performance-record.ts';
import { significantDrop, significantEstimatedDrop } from './significant-drop.ts';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const metricName = { accuracy: 'accuracy', macroF1: 'macro F1' } as const;

/**
 * Performance monitors for one labelled day: a floor on the metric, and a drop against the pooled
 * confusion matrices of the earlier labelled days (days that alerted on performance left out, like
 * drift's trailing baseline). Days with fewer than `minLabelled` labels are not judged. A drop
 * fires when it exceeds `maxDrop` and is significant at `alpha` (accuracy: the one-sided
 * two-proportion z-test of significant-drop.ts; macro F1: the day's 95% bootstrap interval lies
 * wholly below the baseline), so a small day's sampling noise does not page anyone.
 */
export function evaluatePerformanceMonitors(
  config: MonitorConfig,
  record: PerformanceRecord,
  earlier: readonly PerformanceRecord[],
): MonitorResult[] {
  const results: MonitorResult[] = [];
  for (const monitor of config.monitors) {
    if (monitor.kind !== 'performance') continue;
    if (record.metrics.labelled < monitor.minLabelled) continue;
    const value = record.metrics[monitor.metric];
    if (value === undefined) continue;
    const name = metricName[monitor.metric];
    const interval =
      monitor.metric === 'accuracy'
        ? record.metrics.accuracyInterval
        : record.metrics.macroF1Interval;
    const ci = interval
      ? ` (95% CI ${pct(interval.low)}–${pct(interval.high)}, ${record.metrics.labelled} labelled)`
      : '';
    if (monitor.min !== undefined) {
      results.push(
        result(
          monitor,
          name,
          value,
          monitor.min,
          'none',
          value < monitor.min,
          `${name} is ${pct(value)}${ci}, below the floor of ${pct(monitor.min)}`,
        ),
      );
    }
    if (monitor.maxDrop !== undefined) {
      const range = config.baselines.fixedRange;
      const usable = earlier.filter(
        (r) => r.day !== record.day && r.metrics.labelled >= monitor.minLabelled,
      );
      const trailing =
        monitor.baseline === 'fixed' && range
          ? usable.filter(
              (r) => compareDays(r.day, range.from) >= 0 && compareDays(r.day, range.to) <= 0,
            )
          : usable
              .filter((r) => compareDays(r.day, record.day) < 0 && !r.alerted)
              .sort((a, b) => compareDays(a.day, b.day))
              .slice(-config.baselines.trailingDays);
      if (trailing.length === 0) continue;
      const pooled = trailing.reduce<ConfusionMatrix>((m, r) => mergeMatrices(m, r.confusion), {});
      const baseline = performanceMetrics(pooled, { resamples: 0 });
      const before = baseline[monitor.metric];
      if (before === undefined) continue;
      const drop = before - value;
      const supported =
        monitor.metric === 'accuracy'
          ? significantDrop(
              { rate: before, n: baseline.labelled },
              { rate: value, n: record.metrics.labelled },
              monitor.alpha,
            )
          : // Macro F1 has no binomial model: the day's bootstrap interval must lie below the baseline.
            interval === undefined || interval.high < before;
      results.push(
        result(
          monitor,
          `${name}-drop`,
          drop,
          monitor.maxDrop,
          monitor.baseline,
          drop > monitor.maxDrop && supported,
          `${name} ${drop > 0 ? 'fell' : 'rose'} to ${pct(value)}${ci} from ${pct(before)} on the ${monitor.baseline === 'fixed' ? 'fixed baseline range' : `${trailing.length} earlier labelled day${trailing.length === 1 ? '' : 's'}`}`,
        ),
      );
    }
  }
  return results;
}

function result(
  monitor: Extract<Monitor, { kind: 'performance' }>,
  statistic: string,
  score: number,
  threshold: number,
  baseline: 'none' | 'trailing' | 'fixed',
  fired: boolean,
  summary: string,
): MonitorResult {
  return {
    monitor: monitor.id,
    kind: 'performance',
    statistic,
    score,
    threshold,
    baseline,
    fired,
    severity: monitor.severity ?? 'high',
    direction: 'down',
    summary,
  };
}

/**
 * The night's check on the estimated accuracy, before labels exist: for each accuracy monitor with
 * `maxDrop` and `estimated`, fire when the estimate is more than maxDrop below the calibration
 * days' labelled accuracy and the drop is significant at `alpha` (z = drop / se of the estimate).
 * The words say it is an estimate.
 */
export function evaluateEstimatedPerformance(
  config: MonitorConfig,
  estimate: EstimatedPerformance,
): MonitorResult[] {
  const results: MonitorResult[] = [];
  for (const monitor of config.monitors) {
    if (monitor.kind !== 'performance' || monitor.metric !== 'accuracy') continue;
    if (!monitor.estimated || monitor.maxDrop === undefined) continue;
    const before = estimate.calibrationAccuracy;
    const drop = before - estimate.accuracy;
    const fired =
      drop > monitor.maxDrop &&
      significantEstimatedDrop(
        before,
        { rate: estimate.accuracy, n: estimate.predictions },
        estimate.calibrationLabelled,
        estimate.standardError,
        monitor.alpha,
      );
    const days = estimate.calibratedOn.length;
    results.push({
      ...result(
        monitor,
        'estimated-accuracy-drop',
        drop,
        monitor.maxDrop,
        'trailing',
        fired,
        `estimated accuracy (${estimate.method}, from ${estimate.predictions} confidences; no labels yet) ${drop > 0 ? 'fell' : 'rose'} to ${pct(estimate.accuracy)} (95% interval ${pct(estimate.low)}–${pct(estimate.high)}) from ${pct(before)} labelled on ${days} calibration day${days === 1 ? '' : 's'}`,
      ),
    });
  }
  return results;
}

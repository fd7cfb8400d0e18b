import { compareDays } from '../core/drift/baselines.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import {
  atcCalibration,
  type EstimatedPerformance,
  estimateAccuracy,
  mergeCalibration,
} from '../core/performance/estimated-performance.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';
import type { DatasetProfile } from '../core/profile/dataset-profile.ts';
import { dominantVersion } from '../core/profile/model-outputs.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { NightStore } from '../ports/night-store.ts';
import type { ProfileStore } from '../ports/profile-store.ts';
import { REFERENCE_DAY } from './profile-batch.ts';

export interface EstimateDeps {
  readonly labels: LabelStore;
  readonly nights: NightStore;
  readonly profiles: ProfileStore;
  readonly config: MonitorConfig;
}

/** Labels the calibration needs before an estimate is given: the performance monitor's guard. */
const DEFAULT_MIN_CALIBRATION_LABELS = 30;

/**
 * The day's accuracy estimated from its confidences (ATC, core/performance/estimated-performance.ts),
 * calibrated on the labelled reference (when its images carried predictions) and the most recent
 * `baselines.trailingDays` labelled days before this one that are like the day should be: same
 * dominant model version, no drift alert that night, no performance alert. Undefined when the day
 * has no confidences or the calibration has fewer labels than the monitor's `minLabelled`.
 */
export async function estimateDayPerformance(
  dataset: string,
  day: string,
  profile: DatasetProfile,
  deps: EstimateDeps,
): Promise<EstimatedPerformance | undefined> {
  const version = dominantVersion(profile.outputs);
  if (version === undefined) return undefined;
  const today = profile.outputs.byVersion.get(version);
  if (!today || today.confidence.sketch.isEmpty()) return undefined;

  const labelledDays = (await deps.labels.listPerformanceDays(dataset))
    .filter((d) => d !== REFERENCE_DAY && compareDays(d, day) < 0)
    .sort(compareDays)
    .reverse();
  const chosen: PerformanceRecord[] = [];
  const reference = await deps.labels.loadPerformance(dataset, REFERENCE_DAY);
  if (reference?.calibration && (await sameVersion(dataset, REFERENCE_DAY, version, deps)))
    chosen.push(reference);
  let trailing = 0;
  for (const d of labelledDays) {
    if (trailing >= deps.config.baselines.trailingDays) break;
    const record = await deps.labels.loadPerformance(dataset, d);
    if (!record?.calibration || record.alerted) continue;
    if ((await deps.nights.loadNight(dataset, d))?.driftAlerted) continue;
    if (!(await sameVersion(dataset, d, version, deps))) continue;
    chosen.push(record);
    trailing++;
  }
  const calibration = atcCalibration(
    mergeCalibration(chosen.map((r) => r.calibration).filter((c) => c !== undefined)),
  );
  if (!calibration || calibration.labelled < minCalibrationLabels(deps.config)) return undefined;
  const truth = new Map<string, number>();
  for (const r of chosen)
    for (const [label, row] of Object.entries(r.confusion))
      for (const n of Object.values(row)) truth.set(label, (truth.get(label) ?? 0) + n);
  return estimateAccuracy({
    calibration,
    truth,
    confidences: today.confidence.sketch,
    predicted: today.classes.counts,
    calibratedOn: chosen.map((r) => r.day).sort(compareDays),
  });
}

async function sameVersion(
  dataset: string,
  day: string,
  version: string,
  deps: EstimateDeps,
): Promise<boolean> {
  const profile =
    day === REFERENCE_DAY
      ? await deps.profiles.loadReference(dataset)
      : await deps.profiles.loadDayProfile(dataset, day);
  // A profile from before model outputs were recorded (format v1) cannot say: trust it.
  if (!profile || profile.outputs.byVersion.size === 0) return true;
  return dominantVersion(profile.outputs) === version;
}

function minCalibrationLabels(config: MonitorConfig): number {
  const guards = config.monitors.flatMap((m) => (m.kind === 'performance' ? [m.minLabelled] : []));
  return guards.length > 0 ? Math.min(...guards) : DEFAULT_MIN_CALIBRATION_LABELS;
}

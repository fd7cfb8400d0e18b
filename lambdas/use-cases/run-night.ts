import { buildBaselines, compareDays, type DayHistory } from '../core/drift/baselines.ts';
import { buildDigest, type Digest } from '../core/drift/digest.ts';
import { evaluateMonitors } from '../core/drift/evaluate-monitors.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import {
  type DatasetProfile,
  emptyProfile,
  mergeStream,
  unreadableTotal,
} from '../core/profile/dataset-profile.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { NightRecord, NightStore } from '../ports/night-store.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { ProfileStore } from '../ports/profile-store.ts';

export interface RunNightDeps {
  readonly profiles: ProfileStore;
  readonly nights: NightStore;
  readonly notifier: Notifier;
  readonly config: MonitorConfig;
  readonly now: () => Date;
  readonly reportUrl?: (dataset: string, day: string) => string | undefined;
  /** Where labelled performance lives; the digest then carries the latest performance too. */
  readonly labels?: LabelStore | undefined;
}

export interface NightOutcome {
  readonly record: NightRecord;
  readonly profile: DatasetProfile;
  readonly digest?: Digest | undefined;
}

/**
 * The nightly job for one dataset-day, written once for Lambda and CLI:
 *  1. merge the day's partial profiles in key order and store the day profile;
 *  2. build the baselines (reference, trailing days without drift alerts, fixed range);
 *  3. evaluate the monitors;
 *  4. publish one digest if anything fired, at most once per distinct set of alerts;
 *  5. store the night record.
 * Re-running it is safe: the day profile is recomputed from the same partials, and an identical
 * set of alerts is not sent again.
 */
export async function runNight(
  dataset: string,
  day: string,
  deps: RunNightDeps,
): Promise<NightOutcome> {
  const { profiles, nights, notifier, config } = deps;
  const profile =
    (await mergeStream(profiles.partials(dataset, day))) ??
    emptyProfile({ dataset, window: { start: day, end: day } });
  await profiles.saveDayProfile(dataset, day, profile);

  const history = await loadHistory(dataset, day, deps);
  const baselines = buildBaselines({
    day,
    history,
    reference: await profiles.loadReference(dataset),
    trailingDays: config.baselines.trailingDays,
    excludeAlertedDays: config.baselines.excludeAlertedDays,
    fixedRange: config.baselines.fixedRange,
  });
  const results = evaluateMonitors(config, profile, baselines);

  const notes = await performanceNotes(dataset, day, deps.labels);
  let digest = buildDigest({
    dataset,
    day,
    results,
    reportUrl: deps.reportUrl?.(dataset, day),
    notes,
  });
  let digestStatus: NightRecord['digest'] = 'none';
  if (digest) {
    const claim = await nights.claimDigest(dataset, day, digest.fingerprint);
    if (claim === 'duplicate') {
      digestStatus = 'already-sent';
    } else {
      if (claim === 'update')
        digest = {
          ...digest,
          ...buildDigest({ dataset, day, results, update: true, reportUrl: digest.reportUrl }),
        };
      try {
        await notifier.publish(digest);
      } catch (error) {
        await nights.releaseDigest(dataset, day, digest.fingerprint);
        throw error;
      }
      digestStatus = claim === 'update' ? 'update-sent' : 'sent';
    }
  }

  const record: NightRecord = {
    version: 1,
    dataset,
    day,
    images: profile.images,
    unreadable: unreadableTotal(profile),
    unreadableByReason: { ...profile.unreadable } as Record<string, number>,
    results,
    driftAlerted: results.some((r) => r.fired && r.kind === 'drift'),
    digest: digestStatus,
    evaluatedAt: deps.now().toISOString(),
  };
  await nights.saveNight(record);
  return { record, profile, digest };
}

/** Days older than this are never read for trailing baselines. */
const MAX_LOOKBACK_DAYS = 90;

/**
 * Loads only the earlier days the baselines need: the most recent `trailingDays` usable days (days
 * that alerted on drift are skipped when excluded), and the days of the fixed range.
 */
async function loadHistory(
  dataset: string,
  day: string,
  deps: RunNightDeps,
): Promise<DayHistory[]> {
  const { profiles, nights, config } = deps;
  const earlier = (await profiles.listDays(dataset))
    .filter((d) => compareDays(d, day) < 0)
    .sort(compareDays)
    .reverse()
    .slice(0, MAX_LOOKBACK_DAYS);
  const history: DayHistory[] = [];
  let usable = 0;
  for (const other of earlier) {
    if (usable >= config.baselines.trailingDays) break;
    const driftAlerted = (await nights.loadNight(dataset, other))?.driftAlerted ?? false;
    if (driftAlerted && config.baselines.excludeAlertedDays) continue;
    const profile = await profiles.loadDayProfile(dataset, other);
    if (!profile) continue;
    history.push({ day: other, profile, driftAlerted });
    usable++;
  }
  const range = config.baselines.fixedRange;
  if (range) {
    for (const other of earlier) {
      if (compareDays(other, range.from) < 0 || compareDays(other, range.to) > 0) continue;
      if (history.some((h) => h.day === other)) continue;
      const profile = await profiles.loadDayProfile(dataset, other);
      if (profile) history.push({ day: other, profile, driftAlerted: false });
    }
  }
  return history;
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);

/** "Latest model performance (2026-11-05): accuracy 78.0% (95% CI …), macro F1 0.77, 64 labelled." */
async function performanceNotes(
  dataset: string,
  day: string,
  labels: LabelStore | undefined,
): Promise<string[]> {
  if (!labels) return [];
  const latest = (await labels.listPerformanceDays(dataset))
    .filter((d) => compareDays(d, day) <= 0)
    .sort(compareDays)
    .at(-1);
  const record = latest ? await labels.loadPerformance(dataset, latest) : undefined;
  if (!record || record.metrics.labelled === 0) return [];
  const m = record.metrics;
  const ci = m.accuracyInterval
    ? ` (95% CI ${pct(m.accuracyInterval.low)}–${pct(m.accuracyInterval.high)})`
    : '';
  return [
    `Latest model performance (${record.day}): accuracy ${pct(m.accuracy)}${ci}, macro F1 ${m.macroF1?.toFixed(2) ?? '–'}, ${m.labelled} labelled${record.coverage === undefined ? '' : `, coverage ${pct(record.coverage)}`}.`,
  ];
}

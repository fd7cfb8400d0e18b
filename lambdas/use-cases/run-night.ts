import {
  type Baselines,
  buildBaselines,
  compareDays,
  type DayHistory,
} from '../core/drift/baselines.ts';
import { buildDigest, type Digest } from '../core/drift/digest.ts';
import { evaluateNight } from '../core/drift/evaluate-night.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import { bySeverity, type MonitorResult } from '../core/drift/monitor-result.ts';
import { NEW_MODEL_VERSION } from '../core/drift/prediction-drift.ts';
import type { SegmentDay } from '../core/drift/segment-shifts.ts';
import type { EstimatedPerformance } from '../core/performance/estimated-performance.ts';
import { evaluateEstimatedPerformance } from '../core/performance/evaluate-performance.ts';
import {
  type DatasetProfile,
  emptyProfile,
  mergeInto,
  mergeStream,
  unreadableTotal,
} from '../core/profile/dataset-profile.ts';
import { OTHER_SEGMENT, segmentScope } from '../core/profile/segments.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { NightRecord, NightStore } from '../ports/night-store.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { ProfileStore } from '../ports/profile-store.ts';
import { estimateDayPerformance } from './estimate-performance.ts';
import { REFERENCE_DAY } from './profile-batch.ts';

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

  const earlierNights = nightsBefore(dataset, day, nights);
  const history = await loadHistory(dataset, day, deps, async (other) => {
    return (await earlierNights(other))?.driftAlerted ?? false;
  });
  const baselines = baselinesOf(day, history, await profiles.loadReference(dataset), config);
  const warnings = baselineWarnings(day, baselines, config);
  const segments = await segmentDays(dataset, day, history, earlierNights, deps);
  const results = evaluateNight(config, { profile, baselines }, segments);
  const estimate = await estimateNight(dataset, day, profile, deps, results);

  const notes = [
    ...(await performanceNotes(dataset, day, deps.labels)),
    ...(estimate ? [estimateNote(estimate)] : []),
  ];
  let digest = buildDigest({
    dataset,
    day,
    results,
    reportUrl: deps.reportUrl?.(dataset, day),
    notes,
    warnings,
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
          ...buildDigest({
            dataset,
            day,
            results,
            update: true,
            reportUrl: digest.reportUrl,
            notes,
            warnings,
          }),
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
    results: storedResults(results),
    driftAlerted: results.some((r) => r.fired && !r.segment && isDrift(r)),
    ...(segments.length > 0
      ? {
          segments: segments.map((s) => ({
            segment: s.segment,
            images: s.profile.images,
            unreadable: unreadableTotal(s.profile),
            driftAlerted: results.some(
              (r) => r.fired && r.kind === 'drift' && r.segment === s.segment,
            ),
          })),
        }
      : {}),
    ...(estimate ? { estimatedPerformance: estimate } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    digest: digestStatus,
    evaluatedAt: deps.now().toISOString(),
  };
  await nights.saveNight(record);
  return { record, profile, digest };
}

/**
 * Drift of the images or of the model's outputs: such a day is left out of trailing baselines. A
 * new model version's announcement is not drift (its days are the new version's baseline).
 */
const isDrift = (r: MonitorResult) =>
  r.kind === 'drift' || (r.kind === 'prediction-drift' && r.statistic !== NEW_MODEL_VERSION);

/** Fired results kept per segment in the night record; the digest still lists every one. */
export const MAX_STORED_SEGMENT_RESULTS = 20;

/**
 * What the night record keeps: every whole-dataset result, and per segment only what fired (the
 * strongest MAX_STORED_SEGMENT_RESULTS), so 200 cameras × 37 features × 2 baselines of "ok" do not
 * outgrow a DynamoDB item.
 */
function storedResults(results: readonly MonitorResult[]): MonitorResult[] {
  const bySegment = new Map<string, MonitorResult[]>();
  for (const r of results)
    if (r.segment && r.fired) bySegment.set(r.segment, [...(bySegment.get(r.segment) ?? []), r]);
  return [
    ...results.filter((r) => !r.segment),
    ...[...bySegment.values()].flatMap((fired) =>
      fired.sort(bySeverity).slice(0, MAX_STORED_SEGMENT_RESULTS),
    ),
  ];
}

/** Days older than this are never read for trailing baselines (the fixed range is read anyway). */
const MAX_LOOKBACK_DAYS = 90;

function baselinesOf(
  day: string,
  history: readonly DayHistory[],
  reference: DatasetProfile | undefined,
  config: MonitorConfig,
): Baselines {
  return buildBaselines({
    day,
    history,
    reference,
    trailingDays: config.baselines.trailingDays,
    excludeAlertedDays: config.baselines.excludeAlertedDays,
    fixedRange: config.baselines.fixedRange,
  });
}

/**
 * What the night could not do as configured, in words for the night record and the digest: a fixed
 * range with no profiled day before this one leaves every monitor against "fixed" unevaluated.
 */
function baselineWarnings(day: string, baselines: Baselines, config: MonitorConfig): string[] {
  const range = config.baselines.fixedRange;
  if (!range || (baselines.fixed?.images ?? 0) > 0) return [];
  const judged = config.monitors.some((m) => m.kind === 'drift' && m.baselines.includes('fixed'));
  return [
    `The fixed-range baseline ${range.from}…${range.to} has no profiled day before ${day}${judged ? ': drift against "fixed" was not evaluated' : ''}.`,
  ];
}

/** The dataset's earlier night records, each read at most once (segments ask for the same days). */
function nightsBefore(dataset: string, day: string, nights: NightStore) {
  const cache = new Map<string, Promise<NightRecord | undefined>>();
  return (other: string): Promise<NightRecord | undefined> => {
    if (compareDays(other, day) >= 0) return Promise.resolve(undefined);
    let record = cache.get(other);
    if (!record) {
      record = nights.loadNight(dataset, other);
      cache.set(other, record);
    }
    return record;
  };
}

/**
 * Loads only the earlier days the baselines need: the most recent `trailingDays` usable days (days
 * that alerted on drift are skipped when excluded), and the days of the fixed range. `scope` is a
 * dataset or a segment scope; `alertedOn` says whether a drift monitor fired for it on a day.
 */
async function loadHistory(
  scope: string,
  day: string,
  deps: RunNightDeps,
  alertedOn: (day: string) => Promise<boolean>,
): Promise<DayHistory[]> {
  const { profiles, config } = deps;
  const before = (await profiles.listDays(scope))
    .filter((d) => compareDays(d, day) < 0)
    .sort(compareDays)
    .reverse();
  const history: DayHistory[] = [];
  let usable = 0;
  for (const other of before.slice(0, MAX_LOOKBACK_DAYS)) {
    if (usable >= config.baselines.trailingDays) break;
    const driftAlerted = await alertedOn(other);
    if (driftAlerted && config.baselines.excludeAlertedDays) continue;
    const profile = await profiles.loadDayProfile(scope, other);
    if (!profile) continue;
    history.push({ day: other, profile, driftAlerted });
    usable++;
  }
  const range = config.baselines.fixedRange;
  // The fixed range is read wherever it lies: a January baseline still holds in May.
  if (range) {
    for (const other of before) {
      if (compareDays(other, range.from) < 0 || compareDays(other, range.to) > 0) continue;
      if (history.some((h) => h.day === other)) continue;
      const profile = await profiles.loadDayProfile(scope, other);
      if (profile) history.push({ day: other, profile, driftAlerted: false });
    }
  }
  return history;
}

/**
 * The day's segments with their own baselines: every segment with images today or on the trailing
 * days the whole dataset uses (so a camera that fell silent is still judged). Each segment's
 * partials are merged into its day profile, which is stored under its scope. Beyond
 * `segments.max`, the segments with the fewest images today are folded into "other".
 */
async function segmentDays(
  dataset: string,
  day: string,
  history: readonly DayHistory[],
  earlierNights: (day: string) => Promise<NightRecord | undefined>,
  deps: RunNightDeps,
): Promise<SegmentDay[]> {
  const { profiles, config } = deps;
  const names = new Set(await profiles.segmentsOn(dataset, day));
  for (const h of history) for (const s of await profiles.segmentsOn(dataset, h.day)) names.add(s);
  if (names.size === 0) return [];

  const today: { segment: string; profile: DatasetProfile }[] = [];
  for (const segment of [...names].sort()) {
    const scope = segmentScope(dataset, segment);
    const profile =
      (await mergeStream(profiles.partials(scope, day))) ??
      emptyProfile({ dataset: scope, window: { start: day, end: day } });
    today.push({ segment, profile });
  }
  const kept = foldBeyondCap(dataset, day, today, config.segments.max);
  const withReference = new Set(await profiles.segmentsOn(dataset, REFERENCE_DAY));

  const out: SegmentDay[] = [];
  for (const { segment, profile } of kept) {
    const scope = segmentScope(dataset, segment);
    if (profile.images + unreadableTotal(profile) > 0)
      await profiles.saveDayProfile(scope, day, profile);
    const segmentHistory = await loadHistory(scope, day, deps, async (other) => {
      const night = await earlierNights(other);
      return night?.segments?.find((s) => s.segment === segment)?.driftAlerted ?? false;
    });
    const reference = withReference.has(segment) ? await profiles.loadReference(scope) : undefined;
    out.push({ segment, profile, baselines: baselinesOf(day, segmentHistory, reference, config) });
  }
  return out;
}

function foldBeyondCap(
  dataset: string,
  day: string,
  segments: readonly { segment: string; profile: DatasetProfile }[],
  max: number,
): { segment: string; profile: DatasetProfile }[] {
  if (segments.length <= max) return [...segments];
  const ranked = [...segments].sort(
    (a, b) => b.profile.images - a.profile.images || (a.segment < b.segment ? -1 : 1),
  );
  // A segment that is itself named "other" joins the fold instead of standing beside it.
  const kept = ranked.filter((s) => s.segment !== OTHER_SEGMENT).slice(0, max - 1);
  const folded = ranked.filter((s) => !kept.includes(s));
  const scope = segmentScope(dataset, OTHER_SEGMENT);
  const other = emptyProfile({ dataset: scope, window: { start: day, end: day } });
  for (const s of folded) mergeInto(other, { ...s.profile, dataset: scope });
  return [
    ...kept.sort((a, b) => (a.segment < b.segment ? -1 : 1)),
    { segment: OTHER_SEGMENT, profile: other },
  ];
}

/**
 * The day's estimated accuracy (ATC) and the estimated-drop check added to the night's results.
 * The check runs whether or not the day's own labels have arrived since, so re-running a night
 * gives the same set of alerts (and sends nothing new); the labelled check runs at ingestion.
 */
async function estimateNight(
  dataset: string,
  day: string,
  profile: DatasetProfile,
  deps: RunNightDeps,
  results: MonitorResult[],
): Promise<EstimatedPerformance | undefined> {
  const { labels, nights, profiles, config } = deps;
  if (!labels) return undefined;
  const estimate = await estimateDayPerformance(dataset, day, profile, {
    labels,
    nights,
    profiles,
    config,
  });
  if (estimate) results.push(...evaluateEstimatedPerformance(config, estimate));
  return estimate;
}

function estimateNote(e: EstimatedPerformance): string {
  return `Estimated accuracy today (${e.method}, no labels needed): ${pct(e.accuracy)} (95% interval ${pct(e.low)}–${pct(e.high)}), calibrated on ${e.calibratedOn.join(', ')} (labelled accuracy ${pct(e.calibrationAccuracy)}).`;
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
    .filter((d) => d !== REFERENCE_DAY && compareDays(d, day) <= 0)
    .sort(compareDays)
    .at(-1);
  const record = latest ? await labels.loadPerformance(dataset, latest) : undefined;
  if (!record || record.metrics.labelled === 0) return [];
  const m = record.metrics;
  const ci = m.accuracyInterval
    ? ` (95% CI ${pct(m.accuracyInterval.low)}–${pct(m.accuracyInterval.high)})`
    : '';
  return [
    `Latest model performance (${record.day}): accuracy ${pct(m.accuracy)}${ci}, macro F1 ${m.macroF1?.toFixed(2) ?? '–'} (over classes present as truth), ${m.labelled} labelled${record.coverage === undefined ? '' : `, coverage ${pct(record.coverage)}`}.`,
  ];
}

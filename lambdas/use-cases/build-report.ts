import { compareDays } from '../core/drift/baselines.ts';
import { mergeAll } from '../core/profile/dataset-profile.ts';
import { segmentScope } from '../core/profile/segments.ts';
import {
  type ReportDay,
  type ReportSegmentProfiles,
  renderReport,
  thumbnailKeys,
} from '../core/report/render-report.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { NightStore } from '../ports/night-store.ts';
import type { ProfileStore } from '../ports/profile-store.ts';

export interface BuildReportDeps {
  readonly profiles: ProfileStore;
  readonly nights: NightStore;
  readonly labels?: LabelStore | undefined;
  /** A data: URI thumbnail of an image key, or undefined when it cannot be read. */
  readonly thumbnail: (key: string) => Promise<string | undefined>;
  readonly now: () => Date;
}

/** Days of history a report shows before the focus day. */
export const REPORT_DAYS = 30;
/** Earlier days merged into an alerted segment's baseline when it has no reference of its own. */
const SEGMENT_TRAILING_DAYS = 7;

/**
 * The report of one night: the focus day's alerts, every feature's status, the distributions and
 * extreme images of what moved, and the last REPORT_DAYS days of every feature and of performance.
 */
export async function buildReport(
  dataset: string,
  focusDay: string,
  deps: BuildReportDeps,
): Promise<string> {
  const days = (await deps.profiles.listDays(dataset))
    .filter((d) => compareDays(d, focusDay) <= 0)
    .sort(compareDays)
    .slice(-REPORT_DAYS);
  const reportDays: ReportDay[] = [];
  for (const day of days) {
    const night = await deps.nights.loadNight(dataset, day);
    reportDays.push({
      day,
      profile: await deps.profiles.loadDayProfile(dataset, day),
      results: night?.results ?? [],
      segments: night?.segments,
      performance: await deps.labels?.loadPerformance(dataset, day),
      estimated: night?.estimatedPerformance,
    });
  }
  const input = {
    dataset,
    generatedAt: deps.now().toISOString(),
    focusDay,
    days: reportDays,
    reference: await deps.profiles.loadReference(dataset),
    segmentProfiles: await alertedSegmentProfiles(dataset, reportDays, deps.profiles),
    thumbnails: new Map<string, string>(),
  };
  for (const key of thumbnailKeys(input)) {
    const uri = await deps.thumbnail(key);
    if (uri) input.thumbnails.set(key, uri);
  }
  return renderReport(input);
}

/**
 * The focus day's profile of every segment with a drift alert, with the segment's reference as its
 * baseline, or its last SEGMENT_TRAILING_DAYS days merged when the reference carries no segments.
 */
async function alertedSegmentProfiles(
  dataset: string,
  days: readonly ReportDay[],
  profiles: ProfileStore,
): Promise<Map<string, ReportSegmentProfiles>> {
  const focus = days.at(-1);
  const out = new Map<string, ReportSegmentProfiles>();
  const alerted = new Set(
    (focus?.results ?? []).flatMap((r) =>
      r.fired && r.kind === 'drift' && r.segment ? [r.segment] : [],
    ),
  );
  for (const segment of alerted) {
    const scope = segmentScope(dataset, segment);
    const day = focus && (await profiles.loadDayProfile(scope, focus.day));
    if (!day) continue;
    const reference = await profiles.loadReference(scope);
    if (reference) {
      out.set(segment, { day, baseline: reference, baselineName: 'reference' });
      continue;
    }
    const earlier = [];
    for (const d of days.slice(0, -1).slice(-SEGMENT_TRAILING_DAYS)) {
      const p = await profiles.loadDayProfile(scope, d.day);
      if (p) earlier.push(p);
    }
    out.set(segment, { day, baseline: mergeAll(earlier), baselineName: 'trailing days' });
  }
  return out;
}

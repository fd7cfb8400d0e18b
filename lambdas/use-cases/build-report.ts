import { compareDays } from '../core/drift/baselines.ts';
import { type ReportDay, renderReport, thumbnailKeys } from '../core/report/render-report.ts';
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
    thumbnails: new Map<string, string>(),
  };
  for (const key of thumbnailKeys(input)) {
    const uri = await deps.thumbnail(key);
    if (uri) input.thumbnails.set(key, uri);
  }
  return renderReport(input);
}

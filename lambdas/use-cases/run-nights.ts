import { compareDays } from '../core/drift/baselines.ts';
import { assertDatasetName, datasetNameProblem } from '../core/profile/dataset-name.ts';
import { dayInZone, daysBetween, isIsoDay, previousDay } from '../core/util/time.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { type BuildReportDeps, buildReport } from './build-report.ts';
import { type NightOutcome, type RunNightDeps, runNight } from './run-night.ts';

export interface RunNightsRequest {
  readonly dataset?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface RunNightsDeps extends RunNightDeps {
  readonly timeZone: string;
  readonly datasetsActiveOn: (day: string) => Promise<string[]>;
  /** When set, each night's HTML report is rendered and stored. */
  readonly reports?:
    | {
        readonly store: ReportStore;
        readonly build: Omit<BuildReportDeps, 'profiles' | 'nights' | 'now'>;
      }
    | undefined;
}

/** A dataset-day whose night or report failed; the other datasets' nights still ran. */
export interface NightFailure {
  readonly dataset: string;
  readonly day: string;
  readonly error: Error;
}

export interface RunNightsResult {
  readonly outcomes: NightOutcome[];
  readonly failures: NightFailure[];
}

/** Backfills are capped so a typo cannot start a multi-year run. */
export const MAX_BACKFILL_DAYS = 366;

export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/**
 * Datasets with images on the day or on any of the `trailingDays` days before it: a dataset whose
 * every camera fell silent yesterday still gets its night, and the night says so.
 */
async function datasetsActiveAround(
  day: string,
  trailingDays: number,
  deps: Pick<RunNightsDeps, 'datasetsActiveOn'>,
): Promise<string[]> {
  const names = new Set<string>();
  let current = day;
  for (let i = 0; i <= trailingDays; i++) {
    for (const dataset of await deps.datasetsActiveOn(current)) names.add(dataset);
    current = previousDay(current);
  }
  return [...names].sort();
}

/**
 * The scheduled job: with no range, "yesterday" in the configured time zone for every dataset that
 * had data on it or on its trailing days; with {from, to} (and optionally a dataset), a backfill of
 * every day in the range, oldest first so each day's trailing baseline is ready before the next.
 * Each dataset-day is isolated: one that fails (an invalid stored name, a store error, a report
 * too big to save) is returned in `failures` and the others still run; the caller decides how to
 * fail.
 */
export async function runNights(
  request: RunNightsRequest,
  deps: RunNightsDeps,
): Promise<RunNightsResult> {
  const yesterday = previousDay(dayInZone(deps.now(), deps.timeZone));
  const from = request.from ?? request.to ?? yesterday;
  const to = request.to ?? request.from ?? yesterday;
  for (const day of [from, to])
    if (!isIsoDay(day)) throw new InvalidRequestError(`"${day}" is not a YYYY-MM-DD date`);
  if (compareDays(from, to) > 0)
    throw new InvalidRequestError(`from (${from}) is after to (${to})`);
  const days = daysBetween(from, to);
  if (days.length > MAX_BACKFILL_DAYS)
    throw new InvalidRequestError(`a backfill covers at most ${MAX_BACKFILL_DAYS} days`);
  const problem = request.dataset === undefined ? undefined : datasetNameProblem(request.dataset);
  if (problem) throw new InvalidRequestError(problem);

  const outcomes: NightOutcome[] = [];
  const failures: NightFailure[] = [];
  for (const day of days) {
    const datasets = request.dataset
      ? [request.dataset]
      : await datasetsActiveAround(day, deps.config.baselines.trailingDays, deps);
    for (const dataset of datasets) {
      try {
        outcomes.push(await nightWithReport(dataset, day, deps));
      } catch (error) {
        failures.push({
          dataset,
          day,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    }
  }
  return { outcomes, failures };
}

async function nightWithReport(
  dataset: string,
  day: string,
  deps: RunNightsDeps,
): Promise<NightOutcome> {
  // A name stored before routing validated names: its keys may not fit S3 or DynamoDB.
  assertDatasetName(dataset);
  const outcome = await runNight(dataset, day, deps);
  if (deps.reports) {
    const html = await buildReport(dataset, day, {
      ...deps.reports.build,
      profiles: deps.profiles,
      nights: deps.nights,
      now: deps.now,
    });
    await deps.reports.store.saveReport(dataset, day, html);
  }
  return outcome;
}

import { type DatasetProfile, mergeAll } from '../profile/dataset-profile.ts';

/** The profiles a night is compared with. Any may be missing (no reference yet, first day). */
export interface Baselines {
  readonly reference?: DatasetProfile | undefined;
  /** Trailing days merged (alerted days left out when so configured). */
  readonly trailing?: DatasetProfile | undefined;
  readonly fixed?: DatasetProfile | undefined;
  /** The individual trailing day profiles, oldest first, for band and volume monitors. */
  readonly trailingDays: readonly DatasetProfile[];
}

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
/** Day order: ISO dates sort chronologically, local labels naturally (day_2 before day_10). */
export const compareDays = (a: string, b: string) =>
  natural.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

export interface DayHistory {
  readonly day: string;
  readonly profile: DatasetProfile;
  /** Whether a drift monitor fired on that day. */
  readonly driftAlerted: boolean;
}

/**
 * Builds the baselines for `day` from earlier days: the last `trailingDays` days before it (skipping
 * days that alerted on drift when `excludeAlertedDays`), and the days inside the fixed range.
 */
export function buildBaselines(options: {
  readonly day: string;
  readonly history: readonly DayHistory[];
  readonly reference?: DatasetProfile | undefined;
  readonly trailingDays: number;
  readonly excludeAlertedDays: boolean;
  readonly fixedRange?: { from: string; to: string } | undefined;
}): Baselines {
  const earlier = options.history
    .filter((h) => compareDays(h.day, options.day) < 0)
    .sort((a, b) => compareDays(a.day, b.day));
  const eligible = options.excludeAlertedDays ? earlier.filter((h) => !h.driftAlerted) : earlier;
  const trailing = eligible.slice(-options.trailingDays).map((h) => h.profile);
  const range = options.fixedRange;
  const fixed = range
    ? options.history
        .filter((h) => compareDays(h.day, range.from) >= 0 && compareDays(h.day, range.to) <= 0)
        .sort((a, b) => compareDays(a.day, b.day))
        .map((h) => h.profile)
    : [];
  return {
    reference: options.reference,
    trailing: mergeAll(trailing),
    fixed: mergeAll(fixed),
    trailingDays: trailing,
  };
}

import { buildBaselines, type DayHistory } from '../core/drift/baselines.ts';
import { buildDigest, type Digest } from '../core/drift/digest.ts';
import { evaluateMonitors } from '../core/drift/evaluate-monitors.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import {
  type DatasetProfile,
  emptyProfile,
  mergeAll,
  unreadableTotal,
} from '../core/profile/dataset-profile.ts';
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
  const partials = await profiles.listPartials(dataset, day);
  const profile = mergeAll(partials) ?? emptyProfile({ dataset, window: { start: day, end: day } });
  await profiles.saveDayProfile(dataset, day, profile);

  const history: DayHistory[] = [];
  for (const other of await profiles.listDays(dataset)) {
    if (other === day) continue;
    const otherProfile = await profiles.loadDayProfile(dataset, other);
    if (!otherProfile) continue;
    const record = await nights.loadNight(dataset, other);
    history.push({
      day: other,
      profile: otherProfile,
      driftAlerted: record?.driftAlerted ?? false,
    });
  }
  const baselines = buildBaselines({
    day,
    history,
    reference: await profiles.loadReference(dataset),
    trailingDays: config.baselines.trailingDays,
    excludeAlertedDays: config.baselines.excludeAlertedDays,
    fixedRange: config.baselines.fixedRange,
  });
  const results = evaluateMonitors(config, profile, baselines);

  let digest = buildDigest({ dataset, day, results, reportUrl: deps.reportUrl?.(dataset, day) });
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

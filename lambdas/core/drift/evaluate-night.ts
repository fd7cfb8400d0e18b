import type { DatasetProfile } from '../profile/dataset-profile.ts';
import type { Baselines } from './baselines.ts';
import { evaluateMonitors } from './evaluate-monitors.ts';
import type { MonitorConfig } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import { evaluatePeerDrift } from './peer-drift.ts';
import type { SegmentDay } from './segment-shifts.ts';

/**
 * One dataset-day's image monitors: the whole dataset against its baselines, then every segment
 * against its own (its trailing days, its reference images), and every segment against its peers.
 * Segment drift tests share the false-alarm budget (α / segments). With no segments this is
 * exactly evaluateMonitors on the whole dataset. Pure and deterministic.
 */
export function evaluateNight(
  config: MonitorConfig,
  whole: { readonly profile: DatasetProfile; readonly baselines: Baselines },
  segments: readonly SegmentDay[] = [],
): MonitorResult[] {
  const results = evaluateMonitors(config, whole.profile, whole.baselines, {
    clustered: segments.length > 0,
  });
  const family = segments.filter((s) => s.profile.images > 0).length;
  for (const s of segments)
    results.push(
      ...evaluateMonitors(config, s.profile, s.baselines, {
        segment: s.segment,
        family,
        clustered: true,
      }),
    );
  for (const monitor of config.monitors)
    if (monitor.kind === 'drift')
      results.push(...evaluatePeerDrift(monitor, segments, config.segments.minPeers));
  return results;
}

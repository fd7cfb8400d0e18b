import type { DatasetProfile } from '../profile/dataset-profile.ts';
import type { Baselines } from './baselines.ts';
import { clusterDesignEffect } from './day-variation.ts';
import { evaluateMonitors } from './evaluate-monitors.ts';
import type { MonitorConfig } from './monitor-config.ts';
import type { MonitorResult } from './monitor-result.ts';
import { evaluatePeerDrift, type SegmentDay } from './peer-drift.ts';

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
    designEffect: designEffects(whole.profile, segments),
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

/** Per numeric feature, Kish's design effect of the day's images clustered by segment. */
function designEffects(
  whole: DatasetProfile,
  segments: readonly SegmentDay[],
): Map<string, number> | undefined {
  if (segments.length < 2) return undefined;
  const out = new Map<string, number>();
  for (const feature of whole.numeric.keys()) {
    const moments = segments.flatMap((s) => {
      const column = s.profile.numeric.get(feature);
      return column ? [column.moments] : [];
    });
    out.set(feature, clusterDesignEffect(moments));
  }
  return out;
}

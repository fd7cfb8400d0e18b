import type { BaselineKind, Monitor, Severity } from './monitor-config.ts';

/** One evaluation of one monitor (per feature and baseline for drift monitors). */
export interface MonitorResult {
  readonly monitor: string;
  readonly kind: Monitor['kind'];
  /** The segment (camera, site, device) it is about; undefined for the whole dataset. */
  readonly segment?: string | undefined;
  readonly feature?: string | undefined;
  /** ks, linf, hellinger, psi, js, wasserstein, range, band, volume-ratio, unreadable-fraction, accuracy, … */
  readonly statistic: string;
  readonly score: number;
  readonly threshold: number;
  readonly baseline: BaselineKind | 'none';
  readonly fired: boolean;
  readonly severity: Severity;
  readonly direction?: 'up' | 'down' | 'changed' | undefined;
  /** Plain-words reading, e.g. "sharpness fell sharply against the reference: images are blurrier". */
  readonly summary: string;
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Most severe first, then strongest (score / threshold), then by monitor and feature. */
export function bySeverity(a: MonitorResult, b: MonitorResult): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.score / (b.threshold || 1) - a.score / (a.threshold || 1) ||
    a.monitor.localeCompare(b.monitor) ||
    (a.feature ?? '').localeCompare(b.feature ?? '')
  );
}

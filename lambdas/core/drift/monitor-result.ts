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

/**
 * How far a fired result went past its threshold, as a ratio: score / threshold, or threshold /
 * score for a lower bound (a camera's volume ratio 0 < 0.2 is infinitely far, not 0).
 */
export function exceedance(r: Pick<MonitorResult, 'score' | 'threshold'>): number {
  if (r.score < r.threshold) return r.score > 0 ? r.threshold / r.score : Number.POSITIVE_INFINITY;
  return r.score / (r.threshold || 1);
}

/** Strongest first by exceedance (safe with infinite ratios). */
export function byExceedance(
  a: Pick<MonitorResult, 'score' | 'threshold'>,
  b: Pick<MonitorResult, 'score' | 'threshold'>,
): number {
  const x = exceedance(a);
  const y = exceedance(b);
  return x === y ? 0 : x > y ? -1 : 1;
}

/** Fired results: most severe first, then strongest (exceedance), then by monitor and feature. */
export function bySeverity(a: MonitorResult, b: MonitorResult): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    byExceedance(a, b) ||
    a.monitor.localeCompare(b.monitor) ||
    (a.feature ?? '').localeCompare(b.feature ?? '')
  );
}

import { z } from 'zod';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURE_NAMES } from '../features/catalogue.ts';
import { DEFAULT_MAX_SEGMENTS } from '../profile/segments.ts';

/**
 * Monitor configuration: one JSON document per deployment (or `--config` locally), validated here.
 * Every field has a default, so `{}` is a valid configuration equal to DEFAULT_MONITOR_CONFIG.
 */

const FEATURES = new Set<string>([...NUMERIC_FEATURE_NAMES, ...CATEGORICAL_FEATURES]);
const featureName = z.string().refine((name) => FEATURES.has(name), {
  error: (issue) => `unknown feature "${String(issue.input)}"; see docs/features.md for the list`,
});
const NUMERIC = new Set<string>(NUMERIC_FEATURE_NAMES);
const numericFeature = z.string().refine((name) => NUMERIC.has(name), {
  error: (issue) => `unknown numeric feature "${String(issue.input)}"`,
});

export const BASELINE_KINDS = ['reference', 'trailing', 'fixed'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];
export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DRIFT_STATISTICS = ['ks', 'hellinger', 'psi', 'js', 'wasserstein'] as const;
export type DriftStatistic = (typeof DRIFT_STATISTICS)[number];
/** Summary metrics a fixed-range or stddev-band monitor can watch. */
export const SUMMARY_METRICS = [
  'mean',
  'stddev',
  'median',
  'p05',
  'p95',
  'min',
  'max',
  'missingFraction',
] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" or "-"');
const severity = z.enum(SEVERITIES).optional();

const driftMonitor = z.strictObject({
  kind: z.literal('drift'),
  id,
  features: z.union([z.literal('all'), z.array(featureName).min(1)]).default('all'),
  /** Distance used to decide. KS thresholds itself from the sample sizes; the others need `threshold`. */
  statistic: z.enum(DRIFT_STATISTICS).default('ks'),
  /** Per-feature false-alarm probability of the KS / L∞ noise floor. */
  alpha: z.number().gt(0).lt(0.5).default(1e-6),
  /** Fixed threshold for hellinger / psi / js / wasserstein. */
  threshold: z.number().positive().optional(),
  /** Smallest D (or L∞ share change) worth an alert, however large the samples. */
  minEffect: z.number().min(0).max(1).default(0.1),
  /**
   * False-alarm probability of the day-variation bound, used when the baseline days vary more than
   * independent images would (fleets of fixed cameras, weather): docs/monitors.md.
   */
  dayAlpha: z.number().gt(0).lt(0.5).default(1e-4),
  /** False-alarm probability of the peer comparison per feature and baseline, over all segments. */
  peerAlpha: z.number().gt(0).lt(0.5).default(1e-4),
  /** False-alarm probability of the fleet-shift test (every segment moving together) per feature and baseline. */
  fleetAlpha: z.number().gt(0).lt(0.5).default(1e-3),
  baselines: z.array(z.enum(BASELINE_KINDS)).min(1).default(['reference', 'trailing']),
  severity,
});

/** The model's outputs: predicted-class mix and confidence, against the same model version (docs/monitors.md). */
const predictionDriftMonitor = z.strictObject({
  kind: z.literal('prediction-drift'),
  id,
  /** Per-test false-alarm probability, as the image drift tests (per-class tests share it). */
  alpha: z.number().gt(0).lt(0.5).default(1e-6),
  /** Smallest D (or class-share change) worth an alert. */
  minEffect: z.number().min(0).max(1).default(0.1),
  dayAlpha: z.number().gt(0).lt(0.5).default(1e-4),
  /** Also test the confidence of each predicted class. */
  perClass: z.boolean().default(true),
  baselines: z.array(z.enum(BASELINE_KINDS)).min(1).default(['reference', 'trailing']),
  severity,
});

const fixedRangeMonitor = z.strictObject({
  kind: z.literal('fixed-range'),
  id,
  feature: numericFeature,
  metric: z.enum(SUMMARY_METRICS).default('mean'),
  min: z.number().optional(),
  max: z.number().optional(),
  severity,
});

const stddevBandMonitor = z.strictObject({
  kind: z.literal('stddev-band'),
  id,
  feature: numericFeature,
  metric: z.enum(SUMMARY_METRICS).default('mean'),
  sigmas: z.number().positive().default(3),
  /** Trailing days needed before the band is trusted. */
  minDays: z.number().int().min(2).default(3),
  severity,
});

const volumeMonitor = z.strictObject({
  kind: z.literal('volume'),
  id,
  /** Fire when the day's image count is below minRatio × or above maxRatio × the trailing median. */
  minRatio: z.number().min(0).default(0.2),
  maxRatio: z.number().positive().default(5),
  minDays: z.number().int().min(1).default(3),
  severity,
});

const dataQualityMonitor = z.strictObject({
  kind: z.literal('data-quality'),
  id,
  /** Fire when more than this share of the day's files could not be read. */
  maxUnreadableFraction: z.number().min(0).max(1).default(0.05),
  severity,
});

const performanceMonitor = z.strictObject({
  kind: z.literal('performance'),
  id,
  metric: z.enum(['accuracy', 'macroF1']).default('accuracy'),
  /** Fire when the day's metric is below this. */
  min: z.number().min(0).max(1).optional(),
  /** Fire when the metric fell by more than this (absolute) against the baseline's labelled days. */
  maxDrop: z.number().min(0).max(1).optional(),
  /** What maxDrop compares with: the trailing labelled days, or the days of baselines.fixedRange. */
  baseline: z.enum(['trailing', 'fixed']).default('trailing'),
  minLabelled: z.number().int().min(1).default(30),
  /** One-sided level a drop must reach to fire (docs/monitors.md, "Performance alerts"). */
  alpha: z.number().gt(0).lt(0.5).default(0.01),
  /** Also judge the nightly accuracy estimated from confidences (ATC) before labels arrive. */
  estimated: z.boolean().default(true),
  severity,
});

export const monitorSchema = z.discriminatedUnion('kind', [
  driftMonitor,
  predictionDriftMonitor,
  fixedRangeMonitor,
  stddevBandMonitor,
  volumeMonitor,
  dataQualityMonitor,
  performanceMonitor,
]);

const dateLike = z.string().min(1);

export const monitorConfigSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    baselines: z
      .strictObject({
        trailingDays: z.number().int().min(1).max(90).default(7),
        /** Leave days that alerted on drift out of trailing baselines, so a fault does not become normal. */
        excludeAlertedDays: z.boolean().default(true),
        fixedRange: z.strictObject({ from: dateLike, to: dateLike }).optional(),
      })
      .prefault({}),
    segments: z
      .strictObject({
        /**
         * Take the segment from the key part after the dataset (images/<dataset>/<segment>/…) when
         * the object has no `segment` metadata. Off by default so existing key layouts keep working.
         */
        fromKey: z.boolean().default(false),
        /** Segments evaluated per dataset-day; the smallest beyond this fold into "other". */
        max: z.number().int().min(1).max(1000).default(DEFAULT_MAX_SEGMENTS),
        /** Segments with data needed before one is compared with its peers. */
        minPeers: z.number().int().min(3).default(3),
      })
      .prefault({}),
    monitors: z.array(monitorSchema).optional(),
  })
  .transform((c) => ({ ...c, monitors: c.monitors ?? DEFAULT_MONITORS }))
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.monitors.forEach((m, i) => {
      if (seen.has(m.id))
        ctx.addIssue({
          code: 'custom',
          path: ['monitors', i, 'id'],
          message: `duplicate monitor id "${m.id}"`,
        });
      seen.add(m.id);
      if (m.kind === 'drift' && m.statistic !== 'ks' && m.threshold === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['monitors', i, 'threshold'],
          message: `statistic "${m.statistic}" needs a threshold`,
        });
      }
      if (
        (m.kind === 'drift' || m.kind === 'prediction-drift') &&
        m.baselines.includes('fixed') &&
        !c.baselines.fixedRange
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['monitors', i, 'baselines'],
          message: 'a "fixed" baseline needs baselines.fixedRange',
        });
      }
      if (m.kind === 'fixed-range' && m.min === undefined && m.max === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['monitors', i],
          message: 'a fixed-range monitor needs min and/or max',
        });
      }
      if (m.kind === 'performance' && m.baseline === 'fixed' && !c.baselines.fixedRange) {
        ctx.addIssue({
          code: 'custom',
          path: ['monitors', i, 'baseline'],
          message: 'a "fixed" baseline needs baselines.fixedRange',
        });
      }
      if (m.kind === 'performance' && m.min === undefined && m.maxDrop === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['monitors', i],
          message: 'a performance monitor needs min and/or maxDrop',
        });
      }
    });
  });

export type MonitorConfig = z.output<typeof monitorConfigSchema>;
export type Monitor = z.output<typeof monitorSchema>;
export type DriftMonitor = z.output<typeof driftMonitor>;

/** The shipped defaults: tuned on the detection table in docs/monitors.md. */
export const DEFAULT_MONITORS: Monitor[] = [
  {
    kind: 'drift',
    id: 'image-drift',
    features: 'all',
    statistic: 'ks',
    alpha: 1e-6,
    minEffect: 0.1,
    dayAlpha: 1e-4,
    peerAlpha: 1e-4,
    fleetAlpha: 1e-3,
    baselines: ['reference', 'trailing'],
  },
  {
    kind: 'prediction-drift',
    id: 'model-outputs',
    alpha: 1e-6,
    minEffect: 0.1,
    dayAlpha: 1e-4,
    perClass: true,
    baselines: ['reference', 'trailing'],
  },
  { kind: 'data-quality', id: 'unreadable-files', maxUnreadableFraction: 0.05 },
  { kind: 'volume', id: 'image-volume', minRatio: 0.2, maxRatio: 5, minDays: 3 },
  {
    kind: 'performance',
    id: 'model-accuracy',
    metric: 'accuracy',
    maxDrop: 0.15,
    baseline: 'trailing',
    minLabelled: 30,
    alpha: 0.01,
    estimated: true,
  },
];

export class MonitorConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'MonitorConfigError';
  }
}

/** Validates a parsed JSON value; the error names the path of each offending field. */
export function parseMonitorConfig(value: unknown): MonitorConfig {
  const result = monitorConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
  throw new MonitorConfigError(
    `invalid monitor config:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    issues,
  );
}

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = parseMonitorConfig({});

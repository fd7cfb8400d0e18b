import { bySeverity, type MonitorResult } from './monitor-result.ts';

/** SNS email subjects must stay under 100 characters. */
export const MAX_SUBJECT_LENGTH = 100;

export interface DigestAlert {
  readonly monitor: string;
  /** The segment (camera, site, device) it is about; absent for the whole dataset. */
  readonly segment?: string | undefined;
  readonly feature?: string | undefined;
  readonly baseline: string;
  readonly statistic: string;
  readonly score: number;
  readonly threshold: number;
  readonly severity: string;
  readonly summary: string;
}

/** One message per dataset and day: every fired monitor, most severe first. */
export interface Digest {
  readonly dataset: string;
  readonly day: string;
  readonly subject: string;
  readonly text: string;
  readonly alerts: readonly DigestAlert[];
  /** Identity of the fired set: a re-run that fires the same (monitor, feature, baseline) set sends nothing. */
  readonly fingerprint: string;
  /** True when an earlier digest for the same day went out with a different set. */
  readonly update: boolean;
  readonly reportUrl?: string | undefined;
}

/**
 * A user-supplied name or text made safe for a subject line, an e-mail body or a message attribute:
 * control characters and line/paragraph separators become spaces (no forged header or line); format
 * characters (Unicode category Cf: bidi embeddings and overrides U+202A–U+202E and isolates
 * U+2066–U+2069, zero-width characters, the BOM, tag characters) and lone surrogates are removed,
 * so what a reader sees is what the name is ("gpj.exe" cannot show as "exe.jpg"). Capped at
 * `maxLength` code points, never splitting a surrogate pair.
 */
export function plainText(value: string, maxLength = 200): string {
  const cleaned = value.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ').replace(/[\p{Cf}\p{Cs}]/gu, '');
  const codePoints = Array.from(cleaned);
  return codePoints.length > maxLength
    ? `${codePoints.slice(0, maxLength - 1).join('')}…`
    : cleaned;
}

/** One problem of a digest: a monitor on a feature of a segment, whatever baselines it fired against. */
export const problemKey = (a: {
  readonly segment?: string | undefined;
  readonly monitor: string;
  readonly feature?: string | undefined;
}): string => `${a.segment ?? ''}|${a.monitor}|${a.feature ?? ''}`;

export function fingerprintOf(fired: readonly MonitorResult[]): string {
  return [
    ...new Set(
      fired.map(
        (r) => `${r.segment ? `${r.segment}|` : ''}${r.monitor}|${r.feature ?? ''}|${r.baseline}`,
      ),
    ),
  ]
    .sort()
    .join('\n');
}

const fmt = (x: number) =>
  !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 100
      ? x.toFixed(0)
      : Math.abs(x) >= 1
        ? x.toFixed(2)
        : x.toFixed(3);

/** Builds the digest for a day's fired results; undefined when nothing fired. */
export function buildDigest(options: {
  readonly dataset: string;
  readonly day: string;
  readonly results: readonly MonitorResult[];
  readonly update?: boolean;
  readonly reportUrl?: string | undefined;
  /** Extra lines for the end of the body, e.g. the latest model performance. */
  readonly notes?: readonly string[];
  /** What the night could not evaluate as configured: shown first, but never a reason to send. */
  readonly warnings?: readonly string[];
  /** The opening sentence, when the default ("Driftwatch found N problems in dataset …") does not fit. */
  readonly headline?: string;
  /** The closing "What to do" line, when the default (drift advice) does not fit. */
  readonly advice?: string;
  /** Several reports to link, each named by its day (instead of the one `reportUrl`). */
  readonly reports?: readonly { readonly day: string; readonly url: string }[];
}): Digest | undefined {
  const fired = options.results.filter((r) => r.fired).sort(bySeverity);
  if (fired.length === 0) return undefined;
  const dataset = plainText(options.dataset, 60);
  const day = plainText(options.day, 30);
  const alerts: (DigestAlert & { comparator: string })[] = fired.map((r) => ({
    monitor: r.monitor,
    ...(r.segment ? { segment: plainText(r.segment, 64) } : {}),
    feature: r.feature,
    baseline: r.baseline,
    statistic: r.statistic,
    score: r.score,
    threshold: r.threshold,
    severity: r.severity,
    summary: plainText(r.summary, 300),
    // A fired result below its threshold broke a lower bound (too few files, a metric under its minimum).
    comparator: r.score < r.threshold ? '<' : '>',
  }));

  // One line per (segment, monitor, feature), listing every baseline it fired against.
  const groups = new Map<string, (DigestAlert & { comparator: string })[]>();
  for (const a of alerts) {
    const key = problemKey(a);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const wholeGroups = [...groups.values()].filter((g) => !(g[0] as DigestAlert).segment);
  const segments = [
    ...new Set(alerts.map((a) => a.segment).filter((s): s is string => s !== undefined)),
  ];
  const features = [
    ...new Set(
      alerts
        .filter((a) => !a.segment)
        .map((a) => a.feature)
        .filter((f): f is string => f !== undefined),
    ),
  ];
  const head = `${options.update ? 'Update: ' : ''}[Driftwatch] ${dataset} ${day}: `;
  const whole =
    features.length > 0
      ? `drift in ${features.length} feature${features.length === 1 ? '' : 's'} (${features.join(', ')})`
      : wholeGroups.length > 0
        ? `${wholeGroups.length} alert${wholeGroups.length === 1 ? '' : 's'}`
        : '';
  const bySegment =
    segments.length > 0
      ? `${segments.length} segment${segments.length === 1 ? '' : 's'} (${segments.join(', ')})`
      : '';
  const subject = plainText(
    head + [whole, bySegment].filter(Boolean).join('; '),
    MAX_SUBJECT_LENGTH,
  );

  const lines = [
    options.headline !== undefined
      ? plainText(options.headline, 400)
      : `Driftwatch found ${groups.size} problem${groups.size === 1 ? '' : 's'} in dataset "${dataset}" on ${day}${segments.length > 0 ? `, ${groups.size - wholeGroups.length} of them in ${bySegment}` : ''}.`,
    options.update
      ? 'This updates an earlier digest for the same day: the set of alerts changed.'
      : '',
    ...(options.warnings ?? []).map((w) => `WARNING: ${plainText(w, 300)}`),
    '',
  ];
  const describe = (group: readonly (DigestAlert & { comparator: string })[]) => {
    const first = group[0] as DigestAlert;
    const scores = group
      .map(
        (a) =>
          `${a.statistic} ${fmt(a.score)} ${a.comparator} ${fmt(a.threshold)} vs ${a.baseline}`,
      )
      .join('; ');
    lines.push(`  • ${first.summary}.`);
    lines.push(`    ${first.monitor}${first.feature ? ` · ${first.feature}` : ''} · ${scores}`);
  };
  for (const severity of ['high', 'medium', 'low']) {
    const entries = wholeGroups.filter((g) => (g[0] as DigestAlert).severity === severity);
    if (entries.length === 0) continue;
    lines.push(`${severity.toUpperCase()} (${entries.length})`);
    for (const group of entries) describe(group);
    lines.push('');
  }
  if (segments.length > 0) {
    lines.push('BY SEGMENT');
    for (const segment of segments) {
      const entries = [...groups.values()].filter((g) => (g[0] as DigestAlert).segment === segment);
      lines.push(`${segment} (${entries.length} problem${entries.length === 1 ? '' : 's'})`);
      for (const group of entries) describe(group);
    }
    lines.push('');
  }
  for (const note of options.notes ?? []) lines.push(plainText(note, 300));
  if (options.reportUrl) lines.push(`Report: ${options.reportUrl}`);
  for (const report of options.reports ?? [])
    lines.push(`Report of ${plainText(report.day, 30)}: ${report.url}`);
  lines.push(
    options.advice !== undefined
      ? plainText(options.advice, 400)
      : 'What to do: look at the report, check the camera or pipeline that changed, and label a sample of the drifted images.',
  );
  return {
    dataset: options.dataset,
    day: options.day,
    subject,
    text: lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n'),
    alerts: alerts.map(({ comparator: _, ...alert }) => alert),
    fingerprint: fingerprintOf(fired),
    update: options.update ?? false,
    reportUrl: options.reportUrl,
  };
}

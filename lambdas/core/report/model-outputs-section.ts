import {
  type ConfidenceColumn,
  summarizeModelOutputs,
  type VersionOutputs,
} from '../profile/model-outputs.ts';
import type { KllSketch } from '../sketches/kll-sketch.ts';
import { escapeHtml } from './html-text.ts';
import type { ReportInput } from './render-report.ts';
import { timeSeriesChart } from './svg-charts.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** Classes shown per day in the table; the rest are summed as "other". */
const MAX_CLASSES_SHOWN = 6;

/** All versions' confidences of a profile merged (a copy), or undefined without any. */
function allConfidences(byVersion: ReadonlyMap<string, VersionOutputs>): KllSketch | undefined {
  let merged: KllSketch | undefined;
  for (const version of [...byVersion.keys()].sort()) {
    const column = (byVersion.get(version) as VersionOutputs).confidence as ConfidenceColumn;
    if (column.sketch.isEmpty()) continue;
    if (merged) merged.merge(column.sketch);
    else merged = column.sketch.clone();
  }
  return merged;
}

/**
 * The model's outputs per day: its confidence (median and interquartile range against the
 * reference's 5th–95th percentiles) and a table of predicted-class shares, images without a
 * prediction and model versions. Empty when no day carried predictions.
 */
export function modelOutputsSection(
  input: ReportInput,
  figure: (kind: string, svg: string, day?: string) => string,
): string {
  const withOutputs = input.days.filter((d) => (d.profile?.outputs.byVersion.size ?? 0) > 0);
  if (withOutputs.length === 0) return '';
  const days = input.days.map((d) => d.day);
  const sketches = input.days.map((d) =>
    d.profile ? allConfidences(d.profile.outputs.byVersion) : undefined,
  );
  const q = (p: number) => sketches.map((s) => (s ? s.quantile(p) : null));
  const reference = input.reference ? allConfidences(input.reference.outputs.byVersion) : undefined;
  const alertDays = new Set(
    input.days
      .filter((d) => d.results.some((r) => r.fired && r.kind === 'prediction-drift'))
      .map((d) => d.day),
  );
  const chart = figure(
    'confidence',
    timeSeriesChart({
      title: 'model confidence',
      days,
      median: q(0.5),
      low: q(0.25),
      high: q(0.75),
      band: reference
        ? {
            low: reference.quantile(0.05),
            high: reference.quantile(0.95),
            median: reference.quantile(0.5),
          }
        : undefined,
      alertDays,
    }),
  );
  const rows = withOutputs.map((d) => {
    const summary = summarizeModelOutputs(
      d.profile?.outputs ?? { withoutPrediction: 0, byVersion: new Map() },
    );
    const classes = Object.entries(summary.classes).sort((a, b) => b[1] - a[1]);
    const shown = classes.slice(0, MAX_CLASSES_SHOWN);
    const rest = classes.slice(MAX_CLASSES_SHOWN).reduce((s, [, n]) => s + n, 0);
    const shares = [...shown, ...(rest > 0 ? [['other', rest] as const] : [])]
      .map(([c, n]) => `${escapeHtml(c)} ${pct(n / Math.max(1, summary.predictions))}`)
      .join(', ');
    const versions = Object.entries(summary.versions)
      .map(([v, n]) => `${escapeHtml(v)} (${n})`)
      .join(', ');
    const confidence = summary.confidence
      ? `${summary.confidence.quantiles.map((x) => x.toFixed(2)).join(' / ')}`
      : '–';
    return `<tr class="${alertDays.has(d.day) ? 'drift' : ''}"><td>${escapeHtml(d.day)}</td><td>${summary.predictions}</td><td>${summary.withoutPrediction}</td><td>${shares}</td><td>${confidence}</td><td>${versions}</td></tr>`;
  });
  return `<section><h2>Model outputs</h2><p class="legend">What the model predicted and how sure it was, per day; red: days on which prediction drift fired. Confidence quantiles: 5th / 25th / 50th / 75th / 95th.</p>${chart}<table><thead><tr><th>day</th><th>predictions</th><th>without a prediction</th><th>predicted classes</th><th>confidence quantiles</th><th>model versions</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

import { byExceedance, type MonitorResult } from '../drift/monitor-result.ts';
import { NUMERIC_FEATURE_NAMES, numericFeatureSpec } from '../features/catalogue.ts';
import { cell, foldMatrix } from '../performance/confusion-matrix.ts';
import type { EstimatedPerformance } from '../performance/estimated-performance.ts';
import type { PerformanceRecord } from '../performance/performance-record.ts';
import type { DatasetProfile } from '../profile/dataset-profile.ts';
import { unreadableTotal } from '../profile/dataset-profile.ts';
import type { KllSketch } from '../sketches/kll-sketch.ts';
import { escapeHtml } from './html-text.ts';
import { modelOutputsSection } from './model-outputs-section.ts';
import {
  confusionHeatmap,
  countsChart,
  distributionChart,
  performanceChart,
  timeSeriesChart,
} from './svg-charts.ts';

/** One segment (camera, site, device) of a night. */
export interface ReportSegment {
  readonly segment: string;
  readonly images: number;
  readonly unreadable: number;
}

export interface ReportDay {
  readonly day: string;
  readonly profile?: DatasetProfile | undefined;
  readonly results: readonly MonitorResult[];
  /** The night's segments; absent when the dataset has none. */
  readonly segments?: readonly ReportSegment[] | undefined;
  readonly performance?: PerformanceRecord | undefined;
  /** The night's accuracy estimated from confidences (ATC), when it could be calibrated. */
  readonly estimated?: EstimatedPerformance | undefined;
}

/**
 * An alerted segment's profiles on the focus day, so its cards show the camera's own frames rather
 * than the whole fleet's (where one camera of many barely moves the distribution).
 */
export interface ReportSegmentProfiles {
  readonly day: DatasetProfile;
  readonly baseline?: DatasetProfile | undefined;
  /** "reference" or "trailing days". */
  readonly baselineName: string;
}

export interface ReportInput {
  readonly dataset: string;
  readonly generatedAt: string;
  /** The night the report is about; earlier days give the time series. */
  readonly focusDay: string;
  readonly days: readonly ReportDay[];
  readonly reference?: DatasetProfile | undefined;
  /** Profiles of the segments with a drift alert on the focus day. */
  readonly segmentProfiles?: ReadonlyMap<string, ReportSegmentProfiles> | undefined;
  /** Image key → small data: URI, for the extreme images of drifted features. */
  readonly thumbnails: ReadonlyMap<string, string>;
}

/**
 * Classes drawn in a confusion heatmap; the rest are folded into "other". Drawing every class made
 * the report grow with the square of the classes (800 classes: a 250 MB report, 4.2 GB peak RSS).
 */
export const HEATMAP_CLASSES = 12;
const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x)
    ? '–'
    : Math.abs(x) >= 1000
      ? x.toExponential(2)
      : Math.abs(x) >= 10
        ? x.toFixed(1)
        : x.toPrecision(3);

/** The focus day's fired drift result of each drifted feature with the largest margin. */
function strongestByFeature(input: ReportInput): Map<string, MonitorResult> {
  const focus = input.days.find((d) => d.day === input.focusDay);
  const strongest = new Map<string, MonitorResult>();
  for (const r of focus?.results ?? []) {
    if (!r.fired || r.kind !== 'drift' || !r.feature) continue;
    const best = strongest.get(r.feature);
    if (!best || byExceedance(r, best) < 0) strongest.set(r.feature, r);
  }
  return strongest;
}

/** Features whose drift monitor fired on the focus day, strongest first. */
export function driftedFeatures(input: ReportInput): string[] {
  const strongest = strongestByFeature(input);
  return [...strongest.keys()].sort((a, b) =>
    byExceedance(strongest.get(a) as MonitorResult, strongest.get(b) as MonitorResult),
  );
}

/**
 * The profiles a drifted feature's card draws: the segment's own when its strongest alert names a
 * segment whose profiles were loaded, else the whole dataset's against the reference.
 */
function cardProfiles(
  input: ReportInput,
  strongest: MonitorResult,
): {
  day?: DatasetProfile | undefined;
  baseline?: DatasetProfile | undefined;
  baselineName: string;
  /** The segment whose profiles these are; absent for the whole dataset. */
  segment?: string;
} {
  const segment = strongest.segment ? input.segmentProfiles?.get(strongest.segment) : undefined;
  if (segment) return { ...segment, segment: strongest.segment };
  return {
    day: input.days.find((d) => d.day === input.focusDay)?.profile,
    baseline: input.reference,
    baselineName: 'reference',
  };
}

/** Keys of the extreme images worth a thumbnail: lowest and highest of each drifted numeric feature. */
export function thumbnailKeys(input: ReportInput, perFeature = 3): string[] {
  const keys = new Set<string>();
  for (const [feature, strongest] of strongestByFeature(input)) {
    const column = cardProfiles(input, strongest).day?.numeric.get(feature);
    for (const e of [
      ...(column?.lowest ?? []).slice(0, perFeature),
      ...(column?.highest ?? []).slice(0, perFeature),
    ])
      keys.add(e.key);
  }
  return [...keys];
}

/** The static, self-contained HTML report (charts as inline SVG, thumbnails as data: URIs). */
export function renderReport(input: ReportInput): string {
  const days = input.days.map((d) => d.day);
  const focus = input.days.find((d) => d.day === input.focusDay);
  const alertDays = new Set(
    input.days
      .filter((d) => d.results.some((r) => r.fired && r.kind === 'drift'))
      .map((d) => d.day),
  );
  const perfAlertDays = new Set(input.days.filter((d) => d.performance?.alerted).map((d) => d.day));
  const drifted = driftedFeatures(input);
  const fired = (focus?.results ?? []).filter((r) => r.fired);
  const sections = [
    summarySection(input, focus, fired),
    segmentsSection(focus),
    overviewSection(input, focus, drifted),
    driftedSection(input, drifted),
    `<section><h2>Images per day</h2>${figure(
      'counts',
      countsChart(
        days,
        input.days.map((d) => d.profile?.images ?? 0),
        input.days.map((d) => (d.profile ? unreadableTotal(d.profile) : 0)),
        alertDays,
      ),
      { alertDays },
    )}</section>`,
    timeSeriesSection(input, drifted, alertDays),
    modelOutputsSection(input, (kind, svg, day) => figure(kind, svg, day ? { day } : {})),
    performanceSection(input, perfAlertDays),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Driftwatch · ${escapeHtml(input.dataset)} · ${escapeHtml(input.focusDay)}</title>
<style>${STYLE}</style></head>
<body data-dataset="${escapeHtml(input.dataset)}" data-focus-day="${escapeHtml(input.focusDay)}" data-alert-days="${escapeHtml([...alertDays].join(','))}">
<header><h1>Driftwatch · ${escapeHtml(input.dataset)}</h1><p>Night of <strong>${escapeHtml(input.focusDay)}</strong> · ${days.length} day${days.length === 1 ? '' : 's'} shown · generated ${escapeHtml(input.generatedAt)}</p></header>
<main>${sections.join('\n')}</main>
<footer>Driftwatch report · features and formulas: docs/features.md · statistics and thresholds: docs/monitors.md</footer>
</body></html>
`;
}

function figure(
  kind: string,
  svg: string,
  attributes: {
    feature?: string;
    alertDays?: ReadonlySet<string>;
    day?: string;
    /** Trusted HTML (escaped by the caller) shown under the chart. */
    caption?: string;
    classes?: number;
  } = {},
): string {
  const attrs = [
    `data-chart="${kind}"`,
    attributes.classes === undefined ? '' : `data-classes="${attributes.classes}"`,
    attributes.feature ? `data-feature="${escapeHtml(attributes.feature)}"` : '',
    attributes.day ? `data-day="${escapeHtml(attributes.day)}"` : '',
    attributes.alertDays
      ? `data-alert-days="${escapeHtml([...attributes.alertDays].join(','))}"`
      : '',
  ].join(' ');
  return `<figure class="chart" ${attrs}>${svg}${attributes.caption ?? ''}</figure>`;
}

function summarySection(
  input: ReportInput,
  focus: ReportDay | undefined,
  fired: readonly MonitorResult[],
): string {
  const p = focus?.profile;
  const cards = [
    ['images profiled', String(p?.images ?? 0)],
    ['unreadable files', String(p ? unreadableTotal(p) : 0)],
    ['alerts', String(fired.length)],
    ['accuracy', pct(focus?.performance?.metrics.accuracy)],
  ];
  const list = fired.length
    ? `<ul class="alerts">${fired
        .slice(0, 40)
        .map(
          (r) =>
            `<li class="sev-${r.severity}"><span class="chip">${r.severity}</span> ${escapeHtml(r.summary)} <small>(${scoreText(r)})</small></li>`,
        )
        .join('')}</ul>`
    : '<p class="ok">No monitor fired on this day.</p>';
  return `<section><div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="value">${escapeHtml(v as string)}</div><div class="label">${escapeHtml(k as string)}</div></div>`).join('')}</div><h2>Alerts on ${escapeHtml(input.focusDay)}</h2>${list}</section>`;
}

/** "ks 0.91 > 0.34 vs reference"; a fired score under its threshold broke a lower bound. */
const scoreText = (r: MonitorResult) =>
  `${escapeHtml(r.statistic)} ${num(r.score)} ${r.fired && r.score < r.threshold ? '&lt;' : '&gt;'} ${num(r.threshold)} vs ${escapeHtml(r.baseline)}`;

/**
 * One row per segment: status, images, what moved; alerted segments first, each with a drill-down
 * listing everything that fired for it.
 */
function segmentsSection(focus: ReportDay | undefined): string {
  const segments = focus?.segments ?? [];
  if (segments.length === 0) return '';
  const firedBySegment = new Map<string, MonitorResult[]>();
  for (const r of focus?.results ?? [])
    if (r.fired && r.segment)
      firedBySegment.set(r.segment, [...(firedBySegment.get(r.segment) ?? []), r]);
  const rows = [...segments]
    .sort(
      (a, b) =>
        (firedBySegment.get(b.segment)?.length ?? 0) -
          (firedBySegment.get(a.segment)?.length ?? 0) || (a.segment < b.segment ? -1 : 1),
    )
    .map((s) => {
      const fired = firedBySegment.get(s.segment) ?? [];
      const moved = [...new Set(fired.map((r) => r.feature ?? r.monitor))];
      const status =
        fired.length === 0
          ? '<span class="chip ok">ok</span>'
          : `<span class="chip drift">ALERT (${fired.length})</span>`;
      const drill = fired.length
        ? `<details><summary>${escapeHtml(moved.slice(0, 4).join(', '))}${moved.length > 4 ? ` +${moved.length - 4}` : ''}</summary><ul class="alerts">${fired
            .map(
              (r) =>
                `<li class="sev-${r.severity}"><span class="chip">${r.severity}</span> ${escapeHtml(r.summary)} <small>(${scoreText(r)})</small></li>`,
            )
            .join('')}</ul></details>`
        : '–';
      return `<tr data-segment="${escapeHtml(s.segment)}" data-alerts="${fired.length}"><td>${escapeHtml(s.segment)}</td><td>${status}</td><td>${s.images}</td><td>${s.unreadable}</td><td>${drill}</td></tr>`;
    });
  const alerted = segments.filter((s) => firedBySegment.has(s.segment)).length;
  return `<section><h2>Segments</h2><p class="legend">${segments.length} segment${segments.length === 1 ? '' : 's'}, ${alerted} with alerts. Each segment is compared with its own trailing days and reference images, and with its peers (docs/monitors.md).</p><table class="segments"><thead><tr><th>segment</th><th>status</th><th>images</th><th>unreadable</th><th>what moved</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function overviewSection(
  input: ReportInput,
  focus: ReportDay | undefined,
  drifted: readonly string[],
): string {
  const results = (focus?.results ?? []).filter((r) => r.kind === 'drift' && r.feature);
  const features = [...new Set(results.map((r) => r.feature as string))];
  const rows = features
    .sort((a, b) => Number(drifted.includes(b)) - Number(drifted.includes(a)) || a.localeCompare(b))
    .map((feature) => {
      const cellFor = (baseline: string) => {
        const r = results.find((x) => x.feature === feature && x.baseline === baseline);
        return r
          ? `<td class="${r.fired ? 'drift' : ''}">${num(r.score)} / ${num(r.threshold)}</td>`
          : '<td>–</td>';
      };
      const ref = input.reference?.numeric.get(feature);
      const day = focus?.profile?.numeric.get(feature);
      const median = (s: KllSketch | undefined) =>
        s && !s.isEmpty() ? s.quantile(0.5) : undefined;
      const status = drifted.includes(feature)
        ? `<span class="chip drift">${escapeHtml(driftWhere(focus, feature))}</span>`
        : '<span class="chip ok">ok</span>';
      return `<tr><td>${escapeHtml(feature)}</td><td>${status}</td>${cellFor('reference')}${cellFor('trailing')}<td>${num(median(ref?.sketch))} → ${num(median(day?.sketch))}</td><td class="meaning">${escapeHtml(numericFeatureSpec(feature)?.description ?? 'categorical')}</td></tr>`;
    });
  return `<section><h2>Every feature on ${escapeHtml(input.focusDay)}</h2><table class="overview"><thead><tr><th>feature</th><th>status</th><th>vs reference (score / threshold)</th><th>vs trailing days</th><th>median reference → day</th><th>what it measures</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/**
 * "drift" when the whole dataset drifted on the feature; "drift in cam07, cam09 +2" when only
 * segments did (the scores beside it are the whole dataset's, under their thresholds).
 */
function driftWhere(focus: ReportDay | undefined, feature: string): string {
  const fired = (focus?.results ?? []).filter(
    (r) => r.fired && r.kind === 'drift' && r.feature === feature,
  );
  if (fired.some((r) => !r.segment)) return 'drift';
  const segments = [...new Set(fired.map((r) => r.segment as string))];
  return `drift in ${segments.slice(0, 2).join(', ')}${segments.length > 2 ? ` +${segments.length - 2}` : ''}`;
}

function densities(base: KllSketch, day: KllSketch, bins = 24) {
  const low = Math.min(base.quantile(0.01), day.quantile(0.01));
  const high = Math.max(base.quantile(0.99), day.quantile(0.99));
  const width = high > low ? (high - low) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
  const masses = (s: KllSketch) =>
    edges
      .slice(1)
      .map((edge, i) => (i === 0 ? s.rank(edge) : s.rank(edge) - s.rank(edges[i] as number)));
  return {
    labels: edges.slice(0, -1).map((e) => num(e)),
    baseline: masses(base),
    day: masses(day),
  };
}

function driftedSection(input: ReportInput, drifted: readonly string[]): string {
  if (drifted.length === 0) return '';
  const strongestOf = strongestByFeature(input);
  const cards = drifted.map((feature) => {
    const strongest = strongestOf.get(feature) as MonitorResult;
    const profiles = cardProfiles(input, strongest);
    const baseSketch = profiles.baseline?.numeric.get(feature)?.sketch;
    const column = profiles.day?.numeric.get(feature);
    const who = profiles.segment ? `${profiles.segment} · ` : '';
    const chart =
      baseSketch && column && !baseSketch.isEmpty() && !column.sketch.isEmpty()
        ? (() => {
            const d = densities(baseSketch, column.sketch);
            return figure(
              'distribution',
              distributionChart({
                title: `${feature}: ${strongest.statistic} ${num(strongest.score)} > ${num(strongest.threshold)}`,
                bins: d.labels,
                baseline: d.baseline,
                day: d.day,
                baselineName: profiles.baselineName,
                dayName: input.focusDay,
              }),
              { feature },
            );
          })()
        : '';
    const thumbs = (list: readonly { key: string; value: number }[], label: string) =>
      list
        .slice(0, 3)
        .map((e) => {
          const uri = input.thumbnails.get(e.key);
          return uri
            ? `<figure class="thumb"><img alt="${escapeHtml(e.key)}" src="${uri}"><figcaption>${label} ${num(e.value)}</figcaption></figure>`
            : '';
        })
        .join('');
    const gallery = column
      ? `<div class="thumbs">${thumbs(column.lowest, 'lowest')}${thumbs(column.highest, 'highest')}</div>`
      : '';
    return `<article class="drifted"><h3>${escapeHtml(who + feature)}</h3><p>${escapeHtml(strongest.summary)}.</p>${chart}${gallery}</article>`;
  });
  return `<section><h2>What moved</h2><div class="grid">${cards.join('')}</div></section>`;
}

function timeSeriesSection(
  input: ReportInput,
  drifted: readonly string[],
  alertDays: ReadonlySet<string>,
): string {
  const days = input.days.map((d) => d.day);
  const features = [...drifted, ...NUMERIC_FEATURE_NAMES.filter((f) => !drifted.includes(f))];
  const charts = features.map((feature) => {
    const q = (p: number) =>
      input.days.map((d) => {
        const s = d.profile?.numeric.get(feature)?.sketch;
        return s && !s.isEmpty() ? s.quantile(p) : null;
      });
    const ref = input.reference?.numeric.get(feature)?.sketch;
    const band =
      ref && !ref.isEmpty()
        ? { low: ref.quantile(0.05), high: ref.quantile(0.95), median: ref.quantile(0.5) }
        : undefined;
    const featureAlerts = new Set(
      input.days
        .filter((d) => d.results.some((r) => r.fired && r.feature === feature))
        .map((d) => d.day),
    );
    return figure(
      'timeseries',
      timeSeriesChart({
        title: feature,
        days,
        median: q(0.5),
        low: q(0.25),
        high: q(0.75),
        band,
        alertDays: featureAlerts,
      }),
      {
        feature,
        alertDays: featureAlerts,
      },
    );
  });
  return `<section><h2>Every feature over time</h2><p class="legend">Daily median (dot; red on days the feature alerted) and interquartile range (blue band); grey band: the reference's 5th–95th percentiles, dashed: its median. Days that alerted on any drift: ${escapeHtml([...alertDays].join(', ') || 'none')}.</p><div class="grid small">${charts.join('')}</div></section>`;
}

function performanceSection(input: ReportInput, alertDays: ReadonlySet<string>): string {
  const labelled = input.days.filter((d) => d.performance && d.performance.metrics.labelled > 0);
  const estimatedDays = input.days.filter((d) => d.estimated);
  if (labelled.length === 0 && estimatedDays.length === 0)
    return '<section><h2>Model performance</h2><p>No labels yet: drop a label file under labels/ (docs/labels.md).</p></section>';
  const estimate = (f: (e: EstimatedPerformance) => number) =>
    input.days.map((d) => (d.estimated ? f(d.estimated) : null));
  const days = input.days.map((d) => d.day);
  const metric = (f: (p: PerformanceRecord) => number | undefined) =>
    input.days.map((d) => (d.performance ? (f(d.performance) ?? null) : null));
  const chart = figure(
    'performance',
    performanceChart({
      days,
      accuracy: metric((p) => p.metrics.accuracy),
      low: metric((p) => p.metrics.accuracyInterval?.low),
      high: metric((p) => p.metrics.accuracyInterval?.high),
      macroF1: metric((p) => p.metrics.macroF1),
      ...(estimatedDays.length > 0
        ? {
            estimated: {
              accuracy: estimate((e) => e.accuracy),
              low: estimate((e) => e.low),
              high: estimate((e) => e.high),
            },
          }
        : {}),
      alertDays,
    }),
    { alertDays },
  );
  const heatmaps = labelled.map((d) => {
    const p = d.performance as PerformanceRecord;
    const folded = foldMatrix(p.confusion, HEATMAP_CLASSES);
    // A stored record may already be folded (STORED_CLASSES); `classes` counts the day's own.
    const classes = Math.max(p.classes ?? 0, folded.classes);
    const caption = folded.other
      ? `<figcaption class="legend">The ${HEATMAP_CLASSES} most frequent of ${classes} classes (labels + predictions); the other ${classes - HEATMAP_CLASSES} are folded into “${escapeHtml(folded.other)}”.</figcaption>`
      : '';
    return figure(
      'confusion',
      confusionHeatmap(`${d.day} · accuracy ${pct(p.metrics.accuracy)}`, folded.labels, (t, q) =>
        cell(folded.matrix, t, q),
      ),
      { day: d.day, caption, classes },
    );
  });
  const rows = input.days
    .filter((d) => labelled.includes(d) || d.estimated)
    .map((d) => {
      const p = d.performance;
      const ci = p?.metrics.accuracyInterval;
      const e = d.estimated;
      const estimatedCell = e
        ? `${pct(e.accuracy)} <small>(${pct(e.low)}–${pct(e.high)}; ${escapeHtml(e.method)})</small>`
        : '–';
      return `<tr class="${p?.alerted ? 'drift' : ''}"><td>${escapeHtml(d.day)}</td><td>${p?.metrics.labelled ?? 0}</td><td>${pct(p?.coverage)}</td><td>${p ? `${pct(p.metrics.accuracy)}${ci ? ` <small>(${pct(ci.low)}–${pct(ci.high)})</small>` : ''}` : '–'}</td><td>${estimatedCell}</td><td>${num(p?.metrics.macroF1)}</td><td>${p?.agreement === undefined ? '–' : p.agreement.toFixed(2)}</td></tr>`;
    });
  return `<section><h2>Model performance</h2>${chart}<table><thead><tr><th>day</th><th>labelled</th><th>coverage</th><th>accuracy (95% CI)</th><th>estimated before labels (95%)</th><th>macro F1*</th><th>annotator agreement α†</th></tr></thead><tbody>${rows.join('')}</tbody></table><p><small>${escapeHtml(MACRO_F1_NOTE)} ${escapeHtml(ALPHA_NOTE)}</small></p><div class="grid heatmaps">${heatmaps.join('')}</div></section>`;
}

/** What the report's macro F1 leaves out, and when α is blank. */
const MACRO_F1_NOTE =
  '* Mean F1 over the classes that occur as truth that day; a class predicted but never true is left out (scikit-learn\'s f1_score(average="macro") counts it as 0).';
const ALPHA_NOTE =
  "† Krippendorff's α (nominal); – when undefined: no image has two votes, or every such vote is the same label.";

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;opacity:.85}
main{padding:8px 24px 24px}section{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:12px 16px;margin:16px 0}
h2{font-size:17px;margin:4px 0 12px}h3{font-size:14px;margin:4px 0}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #e0e0e0;border-radius:6px;padding:10px 16px;min-width:120px}
.card .value{font-size:24px;font-weight:600}.card .label{color:#607d8b;font-size:12px}
.alerts{padding-left:18px}.alerts li{margin:4px 0}.chip{display:inline-block;border-radius:10px;padding:0 8px;font-size:11px;background:#eceff1}
.sev-high .chip,.chip.drift{background:#ffcdd2;color:#b71c1c}.sev-medium .chip{background:#ffe0b2;color:#e65100}.chip.ok{background:#c8e6c9;color:#1b5e20}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}
td.drift,tr.drift td{background:#ffebee}.meaning{color:#607d8b}
.grid{display:flex;flex-wrap:wrap;gap:12px}.chart{margin:0}.drifted{border:1px solid #eee;border-radius:6px;padding:8px;max-width:400px}
.thumbs{display:flex;flex-wrap:wrap;gap:4px}.thumb{margin:0;text-align:center}.thumb img{width:64px;height:48px;object-fit:cover;border-radius:3px}
.thumb figcaption{font-size:9px;color:#607d8b}.legend{color:#607d8b;font-size:12px}.ok{color:#1b5e20}
footer{color:#90a4ae;font-size:11px;padding:0 24px 24px}`;

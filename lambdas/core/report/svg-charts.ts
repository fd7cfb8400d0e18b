import * as echarts from 'echarts';

/**
 * Charts rendered to SVG on the server with Apache ECharts' server-side rendering: the report is
 * static, self-contained and needs no script or network to view.
 */
type Option = Parameters<echarts.ECharts['setOption']>[0];

const PALETTE = ['#3366cc', '#dc3912', '#109618', '#ff9900', '#990099'];
export const ALERT_COLOUR = '#d62728';
export const BASELINE_COLOUR = 'rgba(120, 144, 156, 0.18)';

export function renderSvg(option: Option, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    ...option,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const grid = { left: 48, right: 12, top: 28, bottom: 28 };

/** A shaded band between two series, drawn as an invisible lower line plus a stacked area. */
function bandSeries(
  name: string,
  low: readonly (number | null)[],
  high: readonly (number | null)[],
  stack: string,
) {
  return [
    {
      name: `${name} low`,
      type: 'line' as const,
      data: [...low],
      lineStyle: { opacity: 0 },
      symbol: 'none',
      stack,
    },
    {
      name,
      type: 'line' as const,
      data: high.map((h, i) => (h === null || low[i] === null ? null : h - (low[i] as number))),
      lineStyle: { opacity: 0 },
      areaStyle: { color: 'rgba(51, 102, 204, 0.15)' },
      symbol: 'none',
      stack,
    },
  ];
}
const formatValue = (v: number) =>
  Math.abs(v) >= 1000
    ? v.toExponential(1)
    : Math.abs(v) >= 10
      ? v.toFixed(0)
      : Math.abs(v) >= 1
        ? v.toFixed(1)
        : v.toPrecision(2);

/** A feature's daily median with the day's p25–p75, the reference p05–p95 band, and alert days in red. */
export function timeSeriesChart(input: {
  title: string;
  days: readonly string[];
  median: readonly (number | null)[];
  low: readonly (number | null)[];
  high: readonly (number | null)[];
  band?: { low: number; high: number; median: number } | undefined;
  alertDays: ReadonlySet<string>;
}): string {
  return renderSvg(
    {
      title: { text: input.title, textStyle: { fontSize: 12 }, left: 4, top: 2 },
      grid,
      xAxis: { type: 'category', data: [...input.days], axisLabel: { fontSize: 9 } },
      yAxis: { type: 'value', scale: true, axisLabel: { fontSize: 9, formatter: formatValue } },
      series: [
        ...bandSeries('p25–p75', input.low, input.high, 'iqr'),
        {
          name: 'median',
          type: 'line',
          data: input.median.map((value, i) => ({
            value,
            itemStyle: {
              color: input.alertDays.has(input.days[i] as string) ? ALERT_COLOUR : PALETTE[0],
            },
            symbolSize: input.alertDays.has(input.days[i] as string) ? 9 : 5,
          })),
          markArea: input.band
            ? {
                silent: true,
                itemStyle: { color: BASELINE_COLOUR },
                data: [[{ yAxis: input.band.low }, { yAxis: input.band.high }]],
              }
            : undefined,
          markLine: input.band
            ? {
                silent: true,
                symbol: 'none',
                lineStyle: { color: '#78909c', type: 'dashed' },
                data: [{ yAxis: input.band.median }],
                label: { show: false },
              }
            : undefined,
        },
      ],
    },
    300,
    160,
  );
}

/** Reference vs day densities on shared bins. */
export function distributionChart(input: {
  title: string;
  bins: readonly string[];
  baseline: readonly number[];
  day: readonly number[];
  baselineName: string;
  dayName: string;
}): string {
  return renderSvg(
    {
      title: { text: input.title, textStyle: { fontSize: 12 }, left: 4, top: 2 },
      legend: { top: 2, right: 4, textStyle: { fontSize: 9 }, itemWidth: 10, itemHeight: 8 },
      grid: { ...grid, top: 32 },
      xAxis: { type: 'category', data: [...input.bins], axisLabel: { fontSize: 8, interval: 3 } },
      yAxis: {
        type: 'value',
        axisLabel: { fontSize: 9, formatter: (v: number) => `${Math.round(v * 100)}%` },
      },
      series: [
        {
          name: input.baselineName,
          type: 'bar',
          data: [...input.baseline],
          itemStyle: { color: '#78909c' },
          barGap: '0%',
        },
        {
          name: input.dayName,
          type: 'bar',
          data: [...input.day],
          itemStyle: { color: ALERT_COLOUR, opacity: 0.8 },
        },
      ],
    },
    380,
    200,
  );
}

/** Images profiled and unreadable files per day, alert days marked. */
export function countsChart(
  days: readonly string[],
  images: readonly number[],
  unreadable: readonly number[],
  alertDays: ReadonlySet<string>,
): string {
  return renderSvg(
    {
      title: { text: 'Images per day', textStyle: { fontSize: 12 }, left: 4, top: 2 },
      legend: { top: 2, right: 4, textStyle: { fontSize: 9 } },
      grid,
      xAxis: { type: 'category', data: [...days], axisLabel: { fontSize: 9 } },
      yAxis: { type: 'value', axisLabel: { fontSize: 9 } },
      series: [
        {
          name: 'profiled',
          type: 'bar',
          stack: 'files',
          data: images.map((value, i) => ({
            value,
            itemStyle: { color: alertDays.has(days[i] as string) ? ALERT_COLOUR : PALETTE[0] },
          })),
        },
        {
          name: 'unreadable',
          type: 'bar',
          stack: 'files',
          data: [...unreadable],
          itemStyle: { color: '#ff9900' },
        },
      ],
    },
    460,
    200,
  );
}

/** Accuracy and macro F1 per labelled day, with the accuracy's Wilson interval. */
export function performanceChart(input: {
  days: readonly string[];
  accuracy: readonly (number | null)[];
  low: readonly (number | null)[];
  high: readonly (number | null)[];
  macroF1: readonly (number | null)[];
  /** Accuracy estimated from confidences before labels (ATC), with its 95% interval. */
  estimated?: {
    accuracy: readonly (number | null)[];
    low: readonly (number | null)[];
    high: readonly (number | null)[];
  };
  alertDays: ReadonlySet<string>;
}): string {
  const estimated = input.estimated;
  return renderSvg(
    {
      title: {
        text: estimated
          ? 'Model performance (labelled, and estimated before labels)'
          : 'Model performance (labelled images)',
        textStyle: { fontSize: 12 },
        left: 4,
        top: 2,
      },
      legend: { top: 2, right: 4, textStyle: { fontSize: 9 } },
      grid,
      xAxis: { type: 'category', data: [...input.days], axisLabel: { fontSize: 9 } },
      yAxis: {
        type: 'value',
        min: 0,
        max: 1,
        axisLabel: { fontSize: 9, formatter: (v: number) => `${Math.round(v * 100)}%` },
      },
      series: [
        ...bandSeries('95% CI', input.low, input.high, 'ci'),
        {
          name: 'accuracy',
          type: 'line',
          data: input.accuracy.map((value, i) => ({
            value,
            itemStyle: {
              color: input.alertDays.has(input.days[i] as string) ? ALERT_COLOUR : PALETTE[0],
            },
          })),
          symbolSize: 7,
        },
        {
          name: 'macro F1',
          type: 'line',
          data: [...input.macroF1],
          lineStyle: { type: 'dashed' },
          itemStyle: { color: PALETTE[2] },
        },
        ...(estimated
          ? [
              ...bandSeries('estimate 95%', estimated.low, estimated.high, 'estimate'),
              {
                name: 'estimated accuracy',
                type: 'line' as const,
                data: [...estimated.accuracy],
                lineStyle: { type: 'dotted' as const },
                itemStyle: { color: PALETTE[3] },
              },
            ]
          : []),
      ],
    },
    460,
    220,
  );
}

/** Characters of a class name on a heatmap axis. */
const AXIS_LABEL_CHARS = 14;
const axisLabel = (label: string) =>
  label.length > AXIS_LABEL_CHARS ? `${label.slice(0, AXIS_LABEL_CHARS - 1)}…` : label;

/**
 * A confusion matrix as a heatmap: rows are the human labels, columns the predictions. Draws
 * every label it is given (the caller caps them: see foldMatrix); grows a little with their number.
 */
export function confusionHeatmap(
  title: string,
  labels: readonly string[],
  counts: (truth: string, predicted: string) => number,
): string {
  const side = Math.min(520, Math.max(180, 40 + 26 * labels.length));
  const data: [number, number, number][] = [];
  let max = 1;
  labels.forEach((t, y) => {
    labels.forEach((p, x) => {
      const n = counts(t, p);
      max = Math.max(max, n);
      data.push([x, y, n]);
    });
  });
  return renderSvg(
    {
      title: { text: title, textStyle: { fontSize: 11 }, left: 4, top: 2 },
      grid: { left: 52, right: 8, top: 26, bottom: 34 },
      xAxis: {
        type: 'category',
        data: labels.map(axisLabel),
        name: 'predicted',
        nameLocation: 'middle',
        nameGap: 20,
        nameTextStyle: { fontSize: 9 },
        axisLabel: { fontSize: 9 },
      },
      yAxis: {
        type: 'category',
        data: labels.map(axisLabel),
        name: 'labelled',
        nameLocation: 'middle',
        nameGap: 38,
        nameTextStyle: { fontSize: 9 },
        axisLabel: { fontSize: 9 },
      },
      visualMap: { min: 0, max, show: false, inRange: { color: ['#f7fbff', '#08306b'] } },
      series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10, color: '#e65100' } }],
    },
    side + 20,
    side,
  );
}

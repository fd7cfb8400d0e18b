import { describe, expect, it } from 'vitest';
import {
  addPair,
  type ConfusionMatrix,
  foldMatrix,
} from '../../../lambdas/core/performance/confusion-matrix.ts';
import { performanceMetrics } from '../../../lambdas/core/performance/metrics.ts';
import type { PerformanceRecord } from '../../../lambdas/core/performance/performance-record.ts';
import { HEATMAP_CLASSES, renderReport } from '../../../lambdas/core/report/render-report.ts';

/** `classes` classes, class i labelled 2·(classes − i) times: right half the time, else the next class. */
function manyClasses(classes: number): ConfusionMatrix {
  const m: ConfusionMatrix = {};
  for (let i = 0; i < classes; i++) {
    const n = classes - i;
    addPair(m, `class-${i}`, `class-${i}`, n);
    addPair(m, `class-${i}`, `class-${(i + 1) % classes}`, n);
  }
  return m;
}

const record = (day: string, confusion: ConfusionMatrix): PerformanceRecord => ({
  version: 1,
  dataset: 'pets',
  day,
  confusion,
  metrics: performanceMetrics(confusion, { resamples: 0 }),
  images: 1000,
  updatedAt: '2026-12-01T00:00:00Z',
});

describe('per-class charts in the report', () => {
  it('draws the most frequent classes plus "other" and says how many were folded', () => {
    const confusion = manyClasses(150);
    const html = renderReport({
      dataset: 'pets',
      generatedAt: '2026-12-01T00:00:00Z',
      focusDay: 'day_2',
      days: ['day_1', 'day_2'].map((day) => ({
        day,
        results: [],
        performance: record(day, confusion),
      })),
      thumbnails: new Map(),
    });
    expect(html.length).toBeLessThan(1_000_000);
    expect(html.match(/data-classes="150"/g)).toHaveLength(2);
    expect(html).toContain(
      `The ${HEATMAP_CLASSES} most frequent of 150 classes (labels + predictions); the other ${150 - HEATMAP_CLASSES} are folded into “other (${150 - HEATMAP_CLASSES} classes)”`,
    );
    expect(html).not.toContain('class-149');
  });

  it('folds rare classes without changing accuracy or the total', () => {
    const full = manyClasses(40);
    const folded = foldMatrix(full, 5);
    expect(folded.classes).toBe(40);
    expect(folded.folded).toBe(35);
    expect(folded.labels).toContain('class-1');
    expect(folded.labels).not.toContain('class-39');
    const a = performanceMetrics(full, { resamples: 0 });
    const b = performanceMetrics(folded.matrix, { resamples: 0 });
    expect(b.labelled).toBe(a.labelled);
    expect(b.accuracy).toBeCloseTo(a.accuracy as number, 12);
    expect(foldMatrix(full, 40).matrix).toBe(full);
  });
});

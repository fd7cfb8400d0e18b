import { describe, expect, it } from 'vitest';
import { parseMonitorConfig } from '../../../lambdas/core/drift/monitor-config.ts';
import type { ConfusionMatrix } from '../../../lambdas/core/performance/confusion-matrix.ts';
import { evaluatePerformanceMonitors } from '../../../lambdas/core/performance/evaluate-performance.ts';
import { performanceMetrics } from '../../../lambdas/core/performance/metrics.ts';
import type { PerformanceRecord } from '../../../lambdas/core/performance/performance-record.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';

const record = (day: string, right: number, wrong: number, alerted = false): PerformanceRecord => {
  const confusion: ConfusionMatrix = { cat: { cat: right, dog: wrong } };
  return {
    version: 1,
    dataset: 'd',
    day,
    confusion,
    metrics: performanceMetrics(confusion, { resamples: 0 }),
    images: right + wrong,
    alerted,
    updatedAt: '',
  };
};

describe('evaluatePerformanceMonitors', () => {
  const history = [
    record('2026-11-01', 90, 10),
    record('2026-11-02', 80, 20),
    record('2026-11-03', 10, 90, true),
  ];

  it('compares with the pooled trailing labelled days, leaving out days that alerted', () => {
    const config = parseMonitorConfig({
      monitors: [{ kind: 'performance', id: 'acc', maxDrop: 0.15, minLabelled: 30 }],
    });
    const [result] = evaluatePerformanceMonitors(config, record('2026-11-04', 60, 40), history);
    // baseline: days 1–2 pooled (170/200 = 85%); day 3 alerted and is left out
    expect(result).toMatchObject({
      monitor: 'acc',
      statistic: 'accuracy-drop',
      baseline: 'trailing',
      fired: true,
    });
    expect(result?.score).toBeCloseTo(0.25, 12);
    expect(result?.summary).toMatch(
      /^accuracy fell to 60% \(95% CI 50%–69%, 100 labelled\) from 85% on the 2 earlier labelled days$/,
    );
  });

  it('compares with a fixed date range when configured, and applies a floor', () => {
    const config = parseMonitorConfig({
      baselines: { fixedRange: { from: '2026-11-01', to: '2026-11-01' } },
      monitors: [
        {
          kind: 'performance',
          id: 'acc',
          maxDrop: 0.2,
          min: 0.7,
          baseline: 'fixed',
          minLabelled: 30,
        },
      ],
    });
    const results = evaluatePerformanceMonitors(config, record('2026-11-04', 75, 25), history);
    expect(results.map((r) => [r.statistic, r.fired, Number(r.score.toFixed(2))])).toEqual([
      ['accuracy', false, 0.75],
      ['accuracy-drop', false, 0.15],
    ]);
    expect(results[1]?.baseline).toBe('fixed');
  });

  it('does not judge a day with fewer labels than minLabelled', () => {
    const config = parseMonitorConfig({
      monitors: [{ kind: 'performance', id: 'acc', min: 0.9, minLabelled: 30 }],
    });
    expect(evaluatePerformanceMonitors(config, record('2026-11-04', 1, 9), history)).toEqual([]);
  });

  it('does not fire on a drop past maxDrop that 30 labels cannot tell from noise', () => {
    const config = parseMonitorConfig({
      monitors: [{ kind: 'performance', id: 'acc', maxDrop: 0.15, minLabelled: 30 }],
    });
    const trailing = [
      record('2026-11-01', 57, 13),
      record('2026-11-02', 56, 14),
      record('2026-11-03', 57, 13),
    ];
    // 170/210 = 81% before, 19/30 = 63% today: an 18-point drop, z = 2.25 < z(0.99) = 2.33
    const [result] = evaluatePerformanceMonitors(config, record('2026-11-04', 19, 11), trailing);
    expect(result?.score).toBeGreaterThan(0.15);
    expect(result?.fired).toBe(false);
  });

  it("still fires on the demo's day-4 collapse (78% → 48% on 64 labels)", () => {
    const config = parseMonitorConfig({
      monitors: [{ kind: 'performance', id: 'acc', maxDrop: 0.15, minLabelled: 30 }],
    });
    const trailing = [
      record('2026-11-01', 47, 13),
      record('2026-11-02', 46, 14),
      record('2026-11-03', 47, 13),
    ];
    const [result] = evaluatePerformanceMonitors(config, record('2026-11-04', 31, 33), trailing);
    expect(result?.fired).toBe(true);
  });

  it('fires on at most 1% of unchanged days at 30 labels a day (simulated, 80% accuracy)', () => {
    const config = parseMonitorConfig({
      monitors: [{ kind: 'performance', id: 'acc', maxDrop: 0.15, minLabelled: 30 }],
    });
    const random = new SeededRandom(14);
    const day = (name: string) => {
      let right = 0;
      for (let i = 0; i < 30; i++) if (random.next() < 0.8) right++;
      return record(name, right, 30 - right);
    };
    let fired = 0;
    const trials = 3000;
    for (let t = 0; t < trials; t++) {
      const trailing = Array.from({ length: 7 }, (_, i) => day(`2026-11-0${i + 1}`));
      const results = evaluatePerformanceMonitors(config, day('2026-11-08'), trailing);
      if (results.some((r) => r.fired)) fired++;
    }
    console.info(`false alarms at 30 labels: ${fired}/${trials}`);
    expect(fired / trials).toBeLessThanOrEqual(0.01);
  });
});

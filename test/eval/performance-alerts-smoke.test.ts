import { describe, expect, it } from 'vitest';
import { simulatePerformanceAlerts } from '../../eval/performance-alerts-lib.ts';

// A small slice of `npm run eval` (eval/model-outputs.ts): the shipped performance monitor stays
// under 1% false alarms at 30 labels a day where the former point-estimate rule fired on ~3%, and
// still catches a collapse like the demo's day 4. The full table is in docs/monitors.md.
describe('performance alert simulation smoke test', () => {
  it('fires on few unchanged days at 30 labels and on nearly every 78% → 48% day', () => {
    const unchanged = simulatePerformanceAlerts({ labelsPerDay: 30, trials: 2000 });
    expect(unchanged.fired / unchanged.trials).toBeLessThanOrEqual(0.01);
    expect(unchanged.pointRule / unchanged.trials).toBeGreaterThan(0.02);
    const collapse = simulatePerformanceAlerts({
      labelsPerDay: 58,
      todayLabels: 64,
      accuracy: 0.78,
      todayAccuracy: 0.48,
      trailingDays: 3,
      trials: 500,
    });
    expect(collapse.fired / collapse.trials).toBeGreaterThan(0.9);
  });
});

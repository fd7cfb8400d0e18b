import { describe, expect, it } from 'vitest';
import {
  cleanFeatures,
  corruptedFeatures,
  dayProfile,
  judgeDay,
  sample,
} from '../../eval/detection-lib.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { SeededRandom } from '../../lambdas/core/sketches/random.ts';

// A small slice of `npm run eval` (eval/detection.ts): the shipped defaults stay silent on clean
// days and catch a few corruptions on the first bad day. The full table is in docs/monitors.md.
const SIZE = { width: 160, height: 120 };
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('detection smoke test', () => {
  it('stays silent on clean 25-image days and alerts on blur, pixelation and greyscale', async () => {
    const reference = dayProfile(await cleanFeatures(SIZE, range(1, 150)), 'reference');
    const pool = await cleanFeatures(SIZE, range(10_000, 200));
    const random = new SeededRandom(3);
    const history: { profile: ReturnType<typeof dayProfile>; alerted: boolean }[] = [];
    for (let d = 0; d < 8; d++) {
      const profile = dayProfile(sample(pool, 25, random), `day_${d}`);
      const verdict = judgeDay(DEFAULT_MONITOR_CONFIG, profile, reference, history);
      expect(verdict.driftFeatures).toEqual([]);
      expect(verdict.alerted).toBe(false);
      history.push({ profile, alerted: false });
    }
    for (const [k, corruption] of ['defocus-blur', 'pixelate', 'greyscale'].entries()) {
      const days = await corruptedFeatures(SIZE, corruption, range(20_000 + k * 100, 30));
      expect(
        judgeDay(
          DEFAULT_MONITOR_CONFIG,
          dayProfile(days.severity3, 'bad'),
          reference,
          history.slice(-3),
        ).alerted,
      ).toBe(true);
    }
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import {
  buildBaselines,
  compareDays,
  type DayHistory,
} from '../../../lambdas/core/drift/baselines.ts';
import { addImage, emptyProfile } from '../../../lambdas/core/profile/dataset-profile.ts';
import { featureStream } from '../../helpers/features.ts';

const day = (name: string, images: number, driftAlerted = false): DayHistory => {
  const profile = emptyProfile({ dataset: 'd', window: { start: name, end: name } });
  for (const [i, f] of featureStream(images, name.length * 100 + images).entries())
    addImage(profile, `${name}/${i}`, f);
  return { day: name, profile, driftAlerted };
};

describe('buildBaselines', () => {
  const history = [
    day('day_1', 10),
    day('day_2', 20),
    day('day_3', 30, true),
    day('day_4', 40),
    day('day_10', 50),
  ];

  it('orders days naturally and ISO dates chronologically', () => {
    expect(['day_10', 'day_2', 'day_1'].sort(compareDays)).toEqual(['day_1', 'day_2', 'day_10']);
    expect(['2026-11-10', '2026-09-30'].sort(compareDays)).toEqual(['2026-09-30', '2026-11-10']);
  });

  it('merges the last N earlier days, leaving out days that alerted on drift', () => {
    const b = buildBaselines({ day: 'day_10', history, trailingDays: 2, excludeAlertedDays: true });
    expect(b.trailingDays.map((p) => p.images)).toEqual([20, 40]);
    expect(b.trailing?.images).toBe(60);
  });

  it('keeps alerted days when configured to', () => {
    const b = buildBaselines({
      day: 'day_10',
      history,
      trailingDays: 2,
      excludeAlertedDays: false,
    });
    expect(b.trailing?.images).toBe(70);
  });

  it('has no trailing baseline on the first day, and never looks ahead', () => {
    expect(
      buildBaselines({ day: 'day_1', history, trailingDays: 7, excludeAlertedDays: true }).trailing,
    ).toBeUndefined();
    expect(
      buildBaselines({ day: 'day_2', history, trailingDays: 7, excludeAlertedDays: true }).trailing
        ?.images,
    ).toBe(10);
  });

  it('merges the days inside a fixed range', () => {
    const b = buildBaselines({
      day: 'day_10',
      history,
      trailingDays: 7,
      excludeAlertedDays: true,
      fixedRange: { from: 'day_2', to: 'day_3' },
    });
    expect(b.fixed?.images).toBe(50);
  });
});

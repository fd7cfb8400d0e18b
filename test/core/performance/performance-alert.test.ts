import { describe, expect, it } from 'vitest';
import { performanceHeadline } from '../../../lambdas/core/performance/performance-alert.ts';

describe('performanceHeadline', () => {
  it('names the metric, the dataset, the prediction day and the label file', () => {
    expect(
      performanceHeadline('pets', 'labels/pets/batch-3.csv', [
        { day: '2026-11-27', statistic: 'accuracy-drop' },
      ]),
    ).toBe(
      'Model accuracy of dataset "pets" fell on 2026-11-27 (the day the predictions were made), judged on the labels in labels/pets/batch-3.csv.',
    );
  });

  it('lists at most five days in order, joins the metrics, and says "below its floor" for floors alone', () => {
    const days = [
      '2026-11-07',
      '2026-11-01',
      '2026-11-03',
      '2026-11-02',
      '2026-11-05',
      '2026-11-06',
    ];
    const headline = performanceHeadline(
      'pets',
      'f.csv',
      days.flatMap((day) => [
        { day, statistic: 'accuracy' },
        { day, statistic: 'macro F1' },
      ]),
    );
    expect(headline).toBe(
      'Model accuracy and macro F1 of dataset "pets" fell below its floor on 6 prediction days (2026-11-01, 2026-11-02, 2026-11-03, 2026-11-05, 2026-11-06 and 1 more), judged on the labels in f.csv.',
    );
  });

  it('cleans and shortens a hostile file name', () => {
    const headline = performanceHeadline('pets', `labels/pets/${'x'.repeat(500)}\nBcc: all`, [
      { day: '2026-11-27', statistic: 'accuracy-drop' },
    ]);
    expect(headline).not.toContain('\n');
    expect(headline.length).toBeLessThan(300);
  });
});

import { describe, expect, it } from 'vitest';
import { addImage, emptyProfile } from '../../../lambdas/core/profile/dataset-profile.ts';
import { renderReport } from '../../../lambdas/core/report/render-report.ts';
import { featureStream } from '../../helpers/features.ts';

function day(name: string, output: (i: number) => { prediction: string; confidence: number }) {
  const profile = emptyProfile({ dataset: 'pets', window: { start: name, end: name } });
  for (const [i, f] of featureStream(40, 3).entries())
    addImage(profile, `${name}/${i}.jpg`, f, { ...output(i), modelVersion: 'm1' });
  return profile;
}

describe('report: model outputs', () => {
  it('shows the confidence per day, the class mix and the estimate beside the labelled accuracy', () => {
    const html = renderReport({
      dataset: 'pets',
      generatedAt: '2026-12-01T00:00:00Z',
      focusDay: 'day_2',
      thumbnails: new Map(),
      days: [
        {
          day: 'day_1',
          profile: day('day_1', (i) => ({ prediction: i % 2 ? 'cat' : 'dog', confidence: 0.8 })),
          results: [],
        },
        {
          day: 'day_2',
          profile: day('day_2', () => ({ prediction: 'dog', confidence: 1 })),
          results: [],
          estimated: {
            accuracy: 0.5,
            low: 0.42,
            high: 0.58,
            method: 'ATC, capped by class mix',
            calibratedOn: ['day_1'],
            predictions: 40,
            calibrationAccuracy: 0.8,
            calibrationLabelled: 40,
            threshold: 0.7,
            standardError: 0.04,
          },
        },
      ],
    });
    expect(html).toContain('<h2>Model outputs</h2>');
    expect(html).toContain('data-chart="confidence"');
    expect(html).toMatch(/<td>day_2<\/td><td>40<\/td><td>0<\/td><td>dog 100\.0%<\/td>/);
    expect(html).toMatch(
      /<td>day_1<\/td><td>40<\/td><td>0<\/td><td>(cat|dog) 50\.0%, (cat|dog) 50\.0%<\/td>/,
    );
    expect(html).toContain('50.0% <small>(42.0%–58.0%; ATC, capped by class mix)</small>');
  });

  it('leaves the section out when no day carried predictions', () => {
    const profile = emptyProfile({ dataset: 'pets', window: { start: 'day_1', end: 'day_1' } });
    const html = renderReport({
      dataset: 'pets',
      generatedAt: '',
      focusDay: 'day_1',
      thumbnails: new Map(),
      days: [{ day: 'day_1', profile, results: [] }],
    });
    expect(html).not.toContain('Model outputs');
  });
});

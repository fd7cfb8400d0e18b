import { describe, expect, it } from 'vitest';
import type { MonitorResult } from '../../../lambdas/core/drift/monitor-result.ts';
import type { ImageFeatures } from '../../../lambdas/core/features/catalogue.ts';
import { addImage, emptyProfile } from '../../../lambdas/core/profile/dataset-profile.ts';
import { renderReport } from '../../../lambdas/core/report/render-report.ts';
import { featureStream } from '../../helpers/features.ts';

/** A profile whose images all have sharpness near `sharpness`, keyed `<name>/<i>.jpg`. */
function profile(name: string, sharpness: number, images = 20) {
  const p = emptyProfile({ dataset: 'fleet', window: { start: name, end: name } });
  for (const [i, f] of featureStream(images, 5).entries()) {
    const features = { ...f, numeric: { ...f.numeric, sharpness: sharpness + i / 100 } };
    addImage(p, `${name}/${i}.jpg`, features as ImageFeatures);
  }
  return p;
}

const cameraAlert: MonitorResult = {
  monitor: 'image-drift',
  kind: 'drift',
  segment: 'cam07',
  feature: 'sharpness',
  statistic: 'peer-z',
  score: 12,
  threshold: 7.8,
  baseline: 'reference',
  fired: true,
  severity: 'high',
  direction: 'down',
  summary: 'cam07: sharpness fell sharply against its peers: images are blurrier',
};

describe('report: a drift alert on one segment', () => {
  const render = (withSegmentProfiles: boolean) =>
    renderReport({
      dataset: 'fleet',
      generatedAt: '',
      focusDay: 'day_4',
      thumbnails: new Map(),
      reference: profile('reference', 40, 240),
      days: [
        {
          day: 'day_4',
          profile: profile('day_4', 40, 240),
          results: [cameraAlert],
          segments: [{ segment: 'cam07', images: 20, unreadable: 0 }],
        },
      ],
      segmentProfiles: withSegmentProfiles
        ? new Map([
            [
              'cam07',
              {
                day: profile('day_4/cam07', 8),
                baseline: profile('reference/cam07', 40),
                baselineName: 'reference',
              },
            ],
          ])
        : undefined,
    });

  it("draws the camera's own frames against its own reference, not the whole fleet's", () => {
    const html = render(true);
    expect(html).toContain('<h3>cam07 · sharpness</h3>');
    // The chart's bins span the camera's blurred frames (≈ 8) as well as its reference (≈ 40).
    const chart = html.slice(html.indexOf('data-chart="distribution"'));
    expect(chart).toMatch(/>8\.\d+</);
  });

  it('says the feature drifted in that segment where the whole dataset did not', () => {
    expect(render(true)).toContain('<span class="chip drift">drift in cam07</span>');
  });

  it("falls back to the whole dataset's distribution when the segment's profiles are missing", () => {
    const html = render(false);
    expect(html).toContain('<h3>sharpness</h3>');
    const chart = html.slice(html.indexOf('data-chart="distribution"'));
    expect(chart).not.toMatch(/>8\.\d+</);
  });
});

/**
 * Today's features, pinned: every golden image (test/helpers/golden-images.ts) decoded through sharp
 * and profiled must give the values stored in test/fixtures/features/golden-features.json, within
 * the tolerances below (docs/features.md, "Golden values"). A faster implementation may reorder
 * float sums, nothing else. Regenerate the fixture only when a definition changes on purpose:
 *   npx tsx test/fixtures/features/regenerate-golden.ts --write
 */
import { describe, expect, it } from 'vitest';
import type { ImageFeatures } from '../../../lambdas/core/features/catalogue.ts';
import fixture from '../../fixtures/features/golden-features.json' with { type: 'json' };
import { GOLDEN_CASES, goldenFeatures } from '../../helpers/golden-images.ts';

type Stored = Record<
  string,
  { numeric: Record<string, number | null>; categorical: Record<string, string | null> }
>;
const stored = fixture.cases as Stored;

/** Counts, sizes, integers and count ratios (count / n): computed from exact integers. */
const EXACT = new Set([
  'width',
  'height',
  'channels',
  'file.bytes',
  'file.bytesPerPixel',
  'jpeg.quality',
  'aspectRatio',
  'megapixels',
  'dark.fraction',
  'overexposed.fraction',
  'clipped.fraction',
  'chromatic.fraction',
  'flat.fraction',
  'isolated.fraction',
  'repeated.fraction',
]);
/** Square roots of variances: cancellation near zero amplifies a reordered sum's last bits. */
const STDDEV = new Set([
  'hue.stddev',
  'saturation.stddev',
  'brightness.stddev',
  'luma.contrast',
  'colourfulness',
]);
const RELATIVE = 1e-9;
const STDDEV_ABSOLUTE = 1e-4;
const OTHER_ABSOLUTE = 1e-12;

function within(name: string, actual: number, expected: number): boolean {
  if (EXACT.has(name)) return actual === expected;
  const absolute = STDDEV.has(name) ? STDDEV_ABSOLUTE : OTHER_ABSOLUTE;
  return Math.abs(actual - expected) <= Math.max(absolute, RELATIVE * Math.abs(expected));
}

/** The features as the fixture stores them: undefined as null. */
function normalised(features: ImageFeatures) {
  const nullish = (record: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v ?? null]));
  return { numeric: nullish(features.numeric), categorical: nullish(features.categorical) };
}

describe('golden features', async () => {
  const today = await goldenFeatures();

  it('covers every golden case and nothing else', () => {
    expect(Object.keys(stored).sort()).toEqual(GOLDEN_CASES.map((c) => c.name).sort());
  });

  it.each(GOLDEN_CASES.map((c) => c.name))('%s keeps its feature values', (name) => {
    const actual = normalised(today[name] as ImageFeatures);
    const expected = stored[name] as Stored[string];
    expect(actual.categorical).toEqual(expected.categorical);
    expect(Object.keys(actual.numeric).sort()).toEqual(Object.keys(expected.numeric).sort());
    const off = Object.entries(expected.numeric).flatMap(([feature, want]) => {
      const got = actual.numeric[feature];
      if (want === null || got === null)
        return got === want ? [] : [`${feature}: ${got} ≠ ${want}`];
      return within(feature, got as number, want) ? [] : [`${feature}: ${got} ≠ ${want}`];
    });
    expect(off).toEqual([]);
  });

  it('tells a changed value from a reordered sum', () => {
    expect(within('luma.mean', 100 * (1 + 1e-12), 100)).toBe(true);
    expect(within('luma.mean', 100 * (1 + 1e-8), 100)).toBe(false);
    expect(within('flat.fraction', 0.5 + 2 ** -52, 0.5)).toBe(false);
    expect(within('luma.contrast', 5e-5, 0)).toBe(true);
  });
});

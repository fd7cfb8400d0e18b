import { describe, expect, it } from 'vitest';
import { hueByte, pillowHsv, saturationByte } from '../../../lambdas/core/features/pillow-hsv.ts';

// Expected bytes computed by hand from Pillow's rgb2hsv_row (src/libImaging/Convert.c):
// V = max; S = trunc(255·(max−min)/max); H = trunc(255·fmod(h/6 + 1, 1)) with float intermediates.
describe('pillowHsv', () => {
  it.each([
    // grey pixels have H = S = 0
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    [
      [128, 128, 128],
      [0, 0, 128],
    ],
    // primaries: h = 0, 2, 4 → 0, 1/3, 2/3 of the circle → 0, trunc(85.0000025) = 85, trunc(170.000005) = 170
    [
      [255, 0, 0],
      [0, 255, 255],
    ],
    [
      [0, 255, 0],
      [85, 255, 255],
    ],
    [
      [0, 0, 255],
      [170, 255, 255],
    ],
    // orange: r max, h = bc − gc = 1 − 127/255 = 0.50196; /6 → 0.08366 · 255 = 21.33 → 21
    [
      [255, 128, 0],
      [21, 255, 255],
    ],
    // magenta: r max, h = bc − gc = 0 − 1 = −1; fmod(−1/6 + 1, 1) = 0.8333 · 255 = 212.5 → 212
    [
      [255, 0, 255],
      [212, 255, 255],
    ],
    // (200, 100, 50): cr = 150, s = 150/200 = 0.75 → 191.25 → 191;
    // h = bc − gc = 150/150 − 100/150 = 0.3333; /6 = 0.05556 · 255 = 14.17 → 14
    [
      [200, 100, 50],
      [14, 191, 200],
    ],
    // (10, 20, 30): b max, cr = 20, h = 4 + gc − rc = 4 + 0.5 − 1 = 3.5 → 3.5/6 = 0.58333 · 255 = 148.75 → 148;
    // s = 20/30 = 0.6667 · 255 = 170.0000… → 170
    [
      [10, 20, 30],
      [148, 170, 30],
    ],
  ] as const)('converts %j to Pillow bytes %j', (rgb, hsv) => {
    expect(pillowHsv(rgb[0], rgb[1], rgb[2])).toEqual(hsv);
  });
});

describe('hueByte / saturationByte lookup tables', () => {
  it('equal the computed Pillow bytes for every one of the 16.7 million RGB colours, grey included', () => {
    let mismatches = 0;
    for (let r = 0; r < 256; r++) {
      for (let g = 0; g < 256; g++) {
        for (let b = 0; b < 256; b++) {
          const [h, s] = pillowHsv(r, g, b);
          const max = Math.max(r, g, b);
          const min = Math.min(r, g, b);
          if (hueByte(r, g, b) !== h || saturationByte(max, min) !== s) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
  });
});

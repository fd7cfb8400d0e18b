/**
 * Pillow's 8-bit RGB→HSV conversion (src/libImaging/Convert.c, rgb2hsv_row), reproduced bit for bit.
 * Pillow computes in C `float` with `double` literals; Math.fround marks every point where C rounds
 * to float, so hue and saturation bytes match Pillow exactly.
 */

// C divides two floats and rounds once to float. Math.fround(n / d) rounds the double quotient
// again, but for integers below 256 the double quotient can never sit next to a float midpoint
// (its binary expansion has no run of ~28 zero bits), so the two agree exactly; a lookup table would
// be 256 KB of cache misses on the hot path.
const q = (n: number, d: number): number => Math.fround(n / d);

/** Pillow HSV hue byte for a non-grey pixel (max > min). */
export function pillowHue(r: number, g: number, b: number, max: number, min: number): number {
  const cr = max - min;
  const rc = q(max - r, cr);
  const gc = q(max - g, cr);
  const bc = q(max - b, cr);
  let h: number;
  if (r === max) h = Math.fround(bc - gc);
  else if (g === max) h = Math.fround(2.0 + rc - bc);
  else h = Math.fround(4.0 + gc - rc);
  // fmod(h/6 + 1, 1): h/6 + 1 lies in [5/6, 11/6), so the remainder is one exact subtraction
  // (Sterbenz) and avoids a floating-point modulo on the hot path.
  const wrapped = h / 6.0 + 1.0;
  h = Math.fround(wrapped >= 1.0 ? wrapped - 1.0 : wrapped);
  const hue = Math.trunc(h * 255.0);
  return hue < 0 ? 0 : Math.min(hue, 255);
}

/** Pillow HSV saturation byte for a non-grey pixel (max > min). */
export function pillowSaturation(max: number, min: number): number {
  const s = Math.trunc(q(max - min, max) * 255.0);
  return Math.min(s, 255);
}

/** Pillow HSV (h, s, v) bytes for one RGB pixel. */
export function pillowHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return [0, 0, max];
  return [pillowHue(r, g, b, max, min), pillowSaturation(max, min), max];
}

/**
 * Pillow hue and saturation bytes by table lookup, for the per-pixel pass. Pillow's hue arithmetic
 * only uses the distances of the channels below their maximum, so the hue byte is a function of the
 * two differences r − g and g − b alone: one 511 × 511 byte table, indexed without branching on
 * which channel is the maximum (grey pixels, r = g = b, read 0 as Pillow gives them). Saturation
 * depends on (max − min, max): 256 × 256 bytes, 0 where max = min. Both are built once from
 * pillowHue/pillowSaturation and are exhaustively equal to them (tested on all 16.7 M colours).
 */
const DIFFERENCES = 511;
/** Index of (r − g, g − b) = (0, 0) in HUE_BY_DIFFERENCES. */
export const HUE_CENTRE = 255 * DIFFERENCES + 255;
/** Row stride of HUE_BY_DIFFERENCES: index = HUE_CENTRE + (r − g)·HUE_STRIDE + (g − b). */
export const HUE_STRIDE = DIFFERENCES;
export const HUE_BY_DIFFERENCES = new Uint8Array(DIFFERENCES * DIFFERENCES);
for (let rg = -255; rg <= 255; rg++) {
  for (let gb = -255; gb <= 255; gb++) {
    // The colour (r, g, b) with these differences shifted up so that its maximum is 255.
    const r = rg + gb;
    const g = gb;
    const max = Math.max(r, g, 0);
    const min = Math.min(r, g, 0);
    if (max === min || max - min > 255) continue;
    const up = 255 - max;
    HUE_BY_DIFFERENCES[HUE_CENTRE + rg * HUE_STRIDE + gb] = pillowHue(
      r + up,
      g + up,
      up,
      255,
      min + up,
    );
  }
}
/** index = (max − min)·256 + max. */
export const SATURATION_BY_RANGE = new Uint8Array(65536);
for (let range = 1; range < 256; range++)
  for (let max = range; max < 256; max++)
    SATURATION_BY_RANGE[range * 256 + max] = pillowSaturation(max, max - range);

/** Hue byte of any pixel by table lookup (same result as pillowHsv). */
export function hueByte(r: number, g: number, b: number): number {
  return HUE_BY_DIFFERENCES[HUE_CENTRE + (r - g) * HUE_STRIDE + (g - b)] as number;
}

/** Saturation byte of any pixel by table lookup (same result as pillowHsv). */
export function saturationByte(max: number, min: number): number {
  return SATURATION_BY_RANGE[(max - min) * 256 + max] as number;
}

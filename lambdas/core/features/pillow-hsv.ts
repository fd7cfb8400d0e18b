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
 * Pillow hue and saturation bytes by table lookup, for the per-pixel pass. The hue only depends on
 * which channel is the maximum (Pillow's r, then g, then b order) and on the other two channels'
 * distances below it, so 3 × 256 × 256 bytes hold every answer, computed once with pillowHue;
 * saturation depends on (max − min, max). Exhaustively equal to pillowHue/pillowSaturation (tested).
 */
const HUE_TABLE = new Uint8Array(3 * 65536);
const SATURATION_TABLE = new Uint8Array(65536);
for (let d1 = 0; d1 < 256; d1++) {
  for (let d2 = 0; d2 < 256; d2++) {
    const cr = Math.max(d1, d2);
    if (cr === 0) continue;
    const i = d1 * 256 + d2;
    // r is max: d1 = max − g, d2 = max − b; g is max: d1 = max − r, d2 = max − b; b: d1 = max − r, d2 = max − g.
    HUE_TABLE[i] = pillowHue(255, 255 - d1, 255 - d2, 255, 255 - cr);
    HUE_TABLE[65536 + i] = d1 === 0 ? 0 : pillowHue(255 - d1, 255, 255 - d2, 255, 255 - cr);
    HUE_TABLE[131072 + i] =
      d1 === 0 || d2 === 0 ? 0 : pillowHue(255 - d1, 255 - d2, 255, 255, 255 - cr);
  }
}
for (let cr = 1; cr < 256; cr++)
  for (let max = cr; max < 256; max++)
    SATURATION_TABLE[cr * 256 + max] = pillowSaturation(max, max - cr);

/** Hue byte of a non-grey pixel whose max and min are given (same result as pillowHue). */
export function hueByte(r: number, g: number, b: number, max: number): number {
  if (r === max) return HUE_TABLE[(max - g) * 256 + (max - b)] as number;
  if (g === max) return HUE_TABLE[65536 + (max - r) * 256 + (max - b)] as number;
  return HUE_TABLE[131072 + (max - r) * 256 + (max - g)] as number;
}

/** Saturation byte of a non-grey pixel (same result as pillowSaturation). */
export function saturationByte(max: number, min: number): number {
  return SATURATION_TABLE[(max - min) * 256 + max] as number;
}

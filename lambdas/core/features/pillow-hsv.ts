/**
 * Pillow's 8-bit RGB→HSV conversion (src/libImaging/Convert.c, rgb2hsv_row), reproduced bit for bit.
 * Pillow computes in C `float` with `double` literals; Math.fround marks every point where C rounds
 * to float, so hue and saturation bytes match Pillow exactly.
 */

// fround(n / d) for every 8-bit numerator n and divisor d: the C `float` quotients rc, gc, bc, s.
const QUOTIENT = new Float32Array(256 * 256);
for (let n = 0; n < 256; n++) {
  for (let d = 1; d < 256; d++) QUOTIENT[n * 256 + d] = Math.fround(n / d);
}
const q = (n: number, d: number): number => QUOTIENT[n * 256 + d] as number;

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
  h = Math.fround((h / 6.0 + 1.0) % 1.0);
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

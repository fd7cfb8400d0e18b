/**
 * Estimate the quality setting a JPEG was saved with, from its luminance quantisation table.
 * libjpeg scales the standard table (ITU-T T.81 Annex K) by S = q < 50 ? 5000/q : 200 − 2q percent,
 * so S ≈ mean(table / standard) · 100 and q = S ≤ 100 ? (200 − S)/2 : 5000/S.
 */

// Annex K.1 luminance table, natural (row-major) order.
const STANDARD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
// DQT stores coefficients in zig-zag order; ZIGZAG[k] is the natural index of the k-th one.
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** Quality 1–100, or undefined when the bytes are not a JPEG with a luminance table. */
export function estimateJpegQuality(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1] as number;
    if (
      marker === 0xd8 ||
      (marker >= 0xd0 && marker <= 0xd7) ||
      marker === 0x01 ||
      marker === 0xff
    ) {
      pos += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data reached, no table seen
    const length = ((bytes[pos + 2] as number) << 8) | (bytes[pos + 3] as number);
    const end = pos + 2 + length;
    if (marker === 0xdb) {
      let t = pos + 4;
      while (t < end && end <= bytes.length) {
        const precision = (bytes[t] as number) >> 4;
        const id = (bytes[t] as number) & 0x0f;
        const size = precision === 0 ? 1 : 2;
        if (id === 0 && t + 1 + 64 * size <= bytes.length)
          return qualityFromTable(bytes, t + 1, size);
        t += 1 + 64 * size;
      }
    }
    pos = end;
  }
  return undefined;
}

function qualityFromTable(bytes: Uint8Array, start: number, size: number): number {
  let scale = 0;
  for (let k = 0; k < 64; k++) {
    const at = start + k * size;
    const value =
      size === 1 ? (bytes[at] as number) : ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    scale += (value * 100) / (STANDARD_LUMINANCE[ZIGZAG[k] as number] as number);
  }
  scale /= 64;
  const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
  return Math.min(100, Math.max(1, Math.round(quality)));
}

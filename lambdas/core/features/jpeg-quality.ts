/**
 * Estimate the quality setting a JPEG was saved with, from its luminance quantisation table: the
 * quality 1–100 whose libjpeg table is nearest (least sum of absolute differences) to the file's.
 * libjpeg (jcparam.c, `jpeg_quality_scaling` and `jpeg_add_quant_table`) scales the standard table
 * (ITU-T T.81 Annex K) by S = q < 50 ? ⌊5000/q⌋ : 200 − 2q percent, entry = ⌊(base·S + 50)/100⌋
 * clamped to [1, 255] for 8-bit tables (32,767 for 16-bit ones), so libjpeg, libjpeg-turbo and
 * libvips/sharp files read back exactly. Inverting the mean ratio instead, as before, read 1…18 as
 * 7…19 (the clamp at 255 and at 1 hides the scale) and 100 as 99.
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

/** libjpeg's luminance table at each quality 1–100, for 8-bit (clamped at 255) or 16-bit entries. */
function libjpegTables(maxEntry: number): Uint16Array[] {
  return Array.from({ length: 100 }, (_, i) => {
    const q = i + 1;
    const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
    return Uint16Array.from(STANDARD_LUMINANCE, (base) =>
      Math.min(maxEntry, Math.max(1, Math.floor((base * scale + 50) / 100))),
    );
  });
}
const TABLES_8_BIT = libjpegTables(255);
const TABLES_16_BIT = libjpegTables(32_767);

function qualityFromTable(bytes: Uint8Array, start: number, size: number): number {
  const table = new Uint16Array(64);
  for (let k = 0; k < 64; k++) {
    const at = start + k * size;
    table[ZIGZAG[k] as number] =
      size === 1 ? (bytes[at] as number) : ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  }
  const candidates = size === 1 ? TABLES_8_BIT : TABLES_16_BIT;
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  candidates.forEach((candidate, i) => {
    let distance = 0;
    for (let j = 0; j < 64; j++)
      distance += Math.abs((candidate[j] as number) - (table[j] as number));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  });
  return best + 1;
}

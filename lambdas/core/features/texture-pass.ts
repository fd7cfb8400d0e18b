/**
 * Texture features of a luma plane. Block and isolated-pixel features are measured at native
 * resolution (JPEG blocks and dead pixels live on the native grid); sharpness and noise at the
 * analysis scale, so that they compare across image sizes.
 */

/** Long edge of the analysis plane is brought into (ANALYSIS_LONG_EDGE/2, ANALYSIS_LONG_EDGE]. */
export const ANALYSIS_LONG_EDGE = 640;
/** Luma step that makes a pixel "isolated" when all four neighbours differ by more, on the same side. */
const ISOLATED_STEP = 48;
/** A neighbour pair is flat when their luma differs by at most this. */
const FLAT_STEP = 1;
/** JPEG block size (a power of two: the hot loop masks with BLOCK − 1). */
const BLOCK = 8;

/** Integer box-downsampling factor for the analysis plane: ceil(long edge / 640). */
export function analysisFactor(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / ANALYSIS_LONG_EDGE));
}

/** Box-downsample a plane by an integer factor (the remainder rows and columns are dropped). */
export function boxDownsample(
  plane: Float32Array,
  width: number,
  height: number,
  factor: number,
): { plane: Float32Array; width: number; height: number } {
  if (factor === 1) return { plane, width, height };
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const out = new Float32Array(w * h);
  const area = factor * factor;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * width + x * factor;
        for (let dx = 0; dx < factor; dx++) sum += plane[row + dx] as number;
      }
      out[y * w + x] = sum / area;
    }
  }
  return { plane: out, width: w, height: h };
}

/** Blockiness, flat-pair fraction and isolated-pixel fraction on the native luma plane. */
export function nativeTexture(luma: Float32Array, width: number, height: number) {
  let edgeSum = 0;
  let edgeCount = 0;
  let innerSum = 0;
  let innerCount = 0;
  let flat = 0;
  let pairs = 0;
  let isolated = 0;

  for (let y = 0; y < height; y++) {
    const row = y * width;
    const verticalEdge = (y & (BLOCK - 1)) === BLOCK - 1;
    const hasBelow = y + 1 < height;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const c = luma[i] as number;
      if (x + 1 < width) {
        const d = Math.abs((luma[i + 1] as number) - c);
        if ((x & (BLOCK - 1)) === BLOCK - 1) {
          edgeSum += d;
          edgeCount++;
        } else {
          innerSum += d;
          innerCount++;
        }
        if (d <= FLAT_STEP) flat++;
        pairs++;
      }
      if (hasBelow) {
        const d = Math.abs((luma[i + width] as number) - c);
        if (verticalEdge) {
          edgeSum += d;
          edgeCount++;
        } else {
          innerSum += d;
          innerCount++;
        }
        if (d <= FLAT_STEP) flat++;
        pairs++;
      }
      if (x > 0 && y > 0 && x + 1 < width && hasBelow) {
        const l = c - (luma[i - 1] as number);
        const r = c - (luma[i + 1] as number);
        const u = c - (luma[i - width] as number);
        const b = c - (luma[i + width] as number);
        if (
          (l > ISOLATED_STEP && r > ISOLATED_STEP && u > ISOLATED_STEP && b > ISOLATED_STEP) ||
          (l < -ISOLATED_STEP && r < -ISOLATED_STEP && u < -ISOLATED_STEP && b < -ISOLATED_STEP)
        ) {
          isolated++;
        }
      }
    }
  }
  const interior = Math.max(0, width - 2) * Math.max(0, height - 2);
  // +1 luma level in both means keeps the ratio at 1 for flat images instead of 0/0.
  const blockiness =
    edgeCount > 0 && innerCount > 0 ? (edgeSum / edgeCount + 1) / (innerSum / innerCount + 1) : 1;
  return {
    blockiness,
    flatFraction: pairs > 0 ? flat / pairs : 1,
    isolatedFraction: interior > 0 ? isolated / interior : 0,
  };
}

/**
 * Sharpness = population variance of the 4-neighbour Laplacian (Pech-Pacheco et al. 2000);
 * noise = Immerkær (1996) fast noise sigma: sqrt(π/2) / (6 (W−2)(H−2)) · Σ |I ∗ N|,
 * N = [[1,−2,1],[−2,4,−2],[1,−2,1]]. Both over the interior of the plane.
 */
export function sharpnessAndNoise(plane: Float32Array, width: number, height: number) {
  const interior = (width - 2) * (height - 2);
  if (width < 3 || height < 3) return { sharpness: 0, noise: 0 };
  let lapSum = 0;
  let lapSum2 = 0;
  let noiseSum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const c = plane[i] as number;
      const l = plane[i - 1] as number;
      const r = plane[i + 1] as number;
      const u = plane[i - width] as number;
      const d = plane[i + width] as number;
      const cross = l + r + u + d;
      const lap = cross - 4 * c;
      lapSum += lap;
      lapSum2 += lap * lap;
      const diagonals =
        (plane[i - width - 1] as number) +
        (plane[i - width + 1] as number) +
        (plane[i + width - 1] as number) +
        (plane[i + width + 1] as number);
      noiseSum += Math.abs(diagonals - 2 * cross + 4 * c);
    }
  }
  const lapMean = lapSum / interior;
  return {
    sharpness: Math.max(0, lapSum2 / interior - lapMean * lapMean),
    noise: (Math.sqrt(Math.PI / 2) * noiseSum) / (6 * interior),
  };
}

/**
 * Texture features of a luma plane. Block and isolated-pixel features are measured at native
 * resolution (JPEG blocks and dead pixels live on the native grid); sharpness and noise at the
 * analysis scale, so that they compare across image sizes. When the analysis plane is the native
 * one (long edge ≤ 640) one pass over the rows computes all of them.
 *
 * Every per-pixel quantity below is a sum of at most nine Float32 luma values with small integer
 * weights, which a double holds exactly; only the order of the running sums differs from a
 * textbook loop, so results agree with one to the last few bits.
 */

/** Long edge of the analysis plane is brought into (ANALYSIS_LONG_EDGE/2, ANALYSIS_LONG_EDGE]. */
export const ANALYSIS_LONG_EDGE = 640;
/** Luma step that makes a pixel "isolated" when all four neighbours differ by more, on the same side. */
const ISOLATED_STEP = 48;
/** A neighbour pair is flat when their luma differs by at most this. */
const FLAT_STEP = 1;
/** JPEG block size: steps between columns (rows) 8k − 1 and 8k cross a block boundary. */
const BLOCK = 8;
/**
 * Row y + 1 repeats row y when the step between them (Σ|ΔY|) is below this share of the largest
 * step among the row pairs within REPEAT_WINDOW of theirs.
 */
const REPEAT_RATIO = 0.25;
const REPEAT_WINDOW = 2;

/** Integer box-downsampling factor for the analysis plane: ceil(long edge / 640). */
export function analysisFactor(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / ANALYSIS_LONG_EDGE));
}

/**
 * Box-downsample a plane by an integer factor (the remainder rows and columns are dropped). Each
 * output row accumulates its `factor` input rows in a row of doubles, then divides by the area.
 */
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
  const sums = new Float64Array(w);
  const area = factor * factor;
  for (let y = 0; y < h; y++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      const row = (y * factor + dy) * width;
      for (let x = 0, i = row; x < w; x++) {
        let sum = 0;
        for (let dx = 0; dx < factor; dx++, i++) sum += plane[i] as number;
        sums[x] = (sums[x] as number) + sum;
      }
    }
    for (let x = 0; x < w; x++) out[y * w + x] = (sums[x] as number) / area;
  }
  return { plane: out, width: w, height: h };
}

export interface NativeTexture {
  readonly blockiness: number;
  readonly flatFraction: number;
  readonly isolatedFraction: number;
  readonly repeatedFraction: number;
}

export interface SharpnessAndNoise {
  readonly sharpness: number;
  readonly noise: number;
}

/** Running sums of one texture pass. */
class TextureSums {
  /** Σ |ΔY| over all horizontal and vertical neighbour pairs, and over those crossing block edges. */
  steps = 0;
  blockEdgeSteps = 0;
  flatPairs = 0;
  isolated = 0;
  laplacian = 0;
  laplacian2 = 0;
  noise = 0;
  /** Σ |ΔY| down from each row to the next (row pair y, y + 1). */
  readonly rowSteps: Float64Array;

  constructor(height: number) {
    this.rowSteps = new Float64Array(Math.max(0, height - 1));
  }
}

/**
 * Horizontal steps of row `row` (pairs x, x+1): their sum and flat count, plus the steps across
 * block edges (x = 8k − 1).
 */
function horizontalSteps(luma: Float32Array, row: number, width: number, t: TextureSums): void {
  let sum = 0;
  let flat = 0;
  for (let i = row, end = row + width - 1; i < end; i++) {
    const d = Math.abs((luma[i + 1] as number) - (luma[i] as number));
    sum += d;
    flat += +(d <= FLAT_STEP);
  }
  t.steps += sum;
  t.flatPairs += flat;
  t.blockEdgeSteps += blockEdgeSteps(luma, row, width);
}

/** Σ |ΔY| of the horizontal pairs of a row that cross a block edge (x = 8k − 1, x + 1 = 8k). */
function blockEdgeSteps(luma: Float32Array, row: number, width: number): number {
  let edges = 0;
  for (let i = row + BLOCK - 1, end = row + width - 1; i < end; i += BLOCK)
    edges += Math.abs((luma[i + 1] as number) - (luma[i] as number));
  return edges;
}

/** Vertical steps between row `row` and the next (all of them cross a block edge when `edge`). */
function verticalSteps(
  luma: Float32Array,
  row: number,
  width: number,
  edge: boolean,
  t: TextureSums,
): number {
  let sum = 0;
  let flat = 0;
  for (let i = row, end = row + width; i < end; i++) {
    const d = Math.abs((luma[i + width] as number) - (luma[i] as number));
    sum += d;
    flat += +(d <= FLAT_STEP);
  }
  t.steps += sum;
  t.flatPairs += flat;
  if (edge) t.blockEdgeSteps += sum;
  return sum;
}

/**
 * An interior row (1 ≤ y ≤ height − 2), x = 1 … width − 2: the horizontal step to the right, the
 * vertical step down, and whether the pixel is isolated. The boundary pairs (x = 0 and the last
 * column) are left to the caller. Returns the sum of the vertical steps (for block edges).
 */
function interiorRow(luma: Float32Array, row: number, width: number, t: TextureSums): number {
  let across = 0;
  let downwards = 0;
  let flat = 0;
  let isolated = 0;
  let left = luma[row] as number;
  let centre = luma[row + 1] as number;
  for (let i = row + 1, end = row + width - 1; i < end; i++) {
    const right = luma[i + 1] as number;
    const down = luma[i + width] as number;
    const h = Math.abs(right - centre);
    const v = Math.abs(down - centre);
    across += h;
    downwards += v;
    flat += +(h <= FLAT_STEP) + +(v <= FLAT_STEP);
    // Isolated: all four neighbours more than ISOLATED_STEP away on the same side. Most pixels fail
    // on the left neighbour, so the up neighbour is read only when it passes.
    const l = centre - left;
    if (l > ISOLATED_STEP) {
      if (
        centre - right > ISOLATED_STEP &&
        centre - down > ISOLATED_STEP &&
        centre - (luma[i - width] as number) > ISOLATED_STEP
      )
        isolated++;
    } else if (l < -ISOLATED_STEP) {
      if (
        centre - right < -ISOLATED_STEP &&
        centre - down < -ISOLATED_STEP &&
        centre - (luma[i - width] as number) < -ISOLATED_STEP
      )
        isolated++;
    }
    left = centre;
    centre = right;
  }
  t.steps += across + downwards;
  t.flatPairs += flat;
  t.isolated += isolated;
  return downwards;
}

/** One neighbour pair outside the interior loop. */
function pair(t: TextureSums, a: number, b: number): number {
  const d = Math.abs(b - a);
  t.steps += d;
  t.flatPairs += +(d <= FLAT_STEP);
  return d;
}

/**
 * Laplacian and Immerkær sums of the interior of row `row` of a plane: ∇² = l + r + u + d − 4c
 * and I ∗ N = diagonals − 2(l + r + u + d) + 4c. The 3 × 3 window slides along the row, so each
 * step reads only its right-hand column.
 */
function laplacianAndNoise(plane: Float32Array, row: number, width: number, t: TextureSums): void {
  let lap = 0;
  let lap2 = 0;
  let noise = 0;
  let upLeft = plane[row - width] as number;
  let up = plane[row - width + 1] as number;
  let left = plane[row] as number;
  let centre = plane[row + 1] as number;
  let downLeft = plane[row + width] as number;
  let down = plane[row + width + 1] as number;
  for (let i = row + 1, end = row + width - 1; i < end; i++) {
    const upRight = plane[i - width + 1] as number;
    const right = plane[i + 1] as number;
    const downRight = plane[i + width + 1] as number;
    const cross = left + right + up + down;
    const l = cross - 4 * centre;
    lap += l;
    lap2 += l * l;
    noise += Math.abs(upLeft + upRight + downLeft + downRight - 2 * cross + 4 * centre);
    upLeft = up;
    up = upRight;
    left = centre;
    centre = right;
    downLeft = down;
    down = downRight;
  }
  t.laplacian += lap;
  t.laplacian2 += lap2;
  t.noise += noise;
}

/** One pass over the rows of the native plane; with `analysis`, also sharpness and noise sums. */
function texturePass(luma: Float32Array, width: number, height: number, analysis: boolean) {
  const t = new TextureSums(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const blockEdgeBelow = (y & (BLOCK - 1)) === BLOCK - 1;
    if (y === 0 || y === height - 1 || width < 3) {
      horizontalSteps(luma, row, width, t);
      if (y + 1 < height) t.rowSteps[y] = verticalSteps(luma, row, width, blockEdgeBelow, t);
      continue;
    }
    const downwards = interiorRow(luma, row, width, t);
    // The pairs the interior loop leaves out: (0, 1) across, and down from the first and last column.
    pair(t, luma[row] as number, luma[row + 1] as number);
    const downFirst = pair(t, luma[row] as number, luma[row + width] as number);
    const last = row + width - 1;
    const downLast = pair(t, luma[last] as number, luma[last + width] as number);
    // Block edges: the pairs across columns 8k − 1 | 8k, and every pair down from rows 8k − 1.
    t.blockEdgeSteps += blockEdgeSteps(luma, row, width);
    if (blockEdgeBelow) t.blockEdgeSteps += downwards + downFirst + downLast;
    t.rowSteps[y] = downwards + downFirst + downLast;
    if (analysis) laplacianAndNoise(luma, row, width, t);
  }
  return t;
}

function nativeFeatures(t: TextureSums, width: number, height: number): NativeTexture {
  const horizontalPairs = (width - 1) * height;
  const verticalPairs = width * (height - 1);
  const edgePairs =
    Math.floor((width - 1) / BLOCK) * height + width * Math.floor((height - 1) / BLOCK);
  const innerPairs = horizontalPairs + verticalPairs - edgePairs;
  const pairs = horizontalPairs + verticalPairs;
  const interior = Math.max(0, width - 2) * Math.max(0, height - 2);
  // +1 luma level in both means keeps the ratio at 1 for flat images instead of 0/0.
  const blockiness =
    edgePairs > 0 && innerPairs > 0
      ? (t.blockEdgeSteps / edgePairs + 1) / ((t.steps - t.blockEdgeSteps) / innerPairs + 1)
      : 1;
  return {
    blockiness,
    flatFraction: pairs > 0 ? t.flatPairs / pairs : 1,
    isolatedFraction: interior > 0 ? t.isolated / interior : 0,
    repeatedFraction: repeatedFraction(t.rowSteps),
  };
}

/**
 * Share of row pairs that repeat: Σ|ΔY| down from row y is below REPEAT_RATIO × the largest such
 * sum among the row pairs within REPEAT_WINDOW (not counting itself). Enlarging an image by
 * nearest neighbour (pixelation, a digital zoom) repeats rows and columns alike: at scale 0.6 two
 * rows in five, at 0.4 three in five, each beside a real step. In a natural image a row's
 * step is rarely below a quarter of its neighbours' (docs/features.md has the figures). Rows alone are
 * counted: their sums fall out of the pass for free, where columns would cost a write per pixel.
 */
function repeatedFraction(rowSteps: Float64Array): number {
  const n = rowSteps.length;
  if (n < 2) return 0;
  let repeated = 0;
  for (let y = 0; y < n; y++) {
    let largest = 0;
    for (let j = Math.max(0, y - REPEAT_WINDOW); j <= Math.min(n - 1, y + REPEAT_WINDOW); j++)
      if (j !== y && (rowSteps[j] as number) > largest) largest = rowSteps[j] as number;
    if ((rowSteps[y] as number) < REPEAT_RATIO * largest) repeated++;
  }
  return repeated / n;
}

/**
 * Sharpness = population variance of the 4-neighbour Laplacian (Pech-Pacheco et al. 2000);
 * noise = Immerkær (1996) fast noise sigma: sqrt(π/2) / (6 (W−2)(H−2)) · Σ |I ∗ N|,
 * N = [[1,−2,1],[−2,4,−2],[1,−2,1]]. Both over the interior of the plane.
 */
function analysisFeatures(t: TextureSums, width: number, height: number): SharpnessAndNoise {
  if (width < 3 || height < 3) return { sharpness: 0, noise: 0 };
  const interior = (width - 2) * (height - 2);
  const lapMean = t.laplacian / interior;
  return {
    sharpness: Math.max(0, t.laplacian2 / interior - lapMean * lapMean),
    noise: (Math.sqrt(Math.PI / 2) * t.noise) / (6 * interior),
  };
}

/** Blockiness, flat-pair, isolated-pixel and repeated-row fractions on the native luma plane. */
export function nativeTexture(luma: Float32Array, width: number, height: number): NativeTexture {
  return nativeFeatures(texturePass(luma, width, height, false), width, height);
}

/** Sharpness and noise of a plane (the analysis plane). */
export function sharpnessAndNoise(
  plane: Float32Array,
  width: number,
  height: number,
): SharpnessAndNoise {
  const t = new TextureSums(0);
  for (let y = 1; y + 1 < height; y++) if (width > 2) laplacianAndNoise(plane, y * width, width, t);
  return analysisFeatures(t, width, height);
}

/** Every texture feature of a luma plane: one pass when the native plane is the analysis plane. */
export function textureFeatures(
  luma: Float32Array,
  width: number,
  height: number,
): NativeTexture & SharpnessAndNoise {
  const factor = analysisFactor(width, height);
  if (factor === 1) {
    const t = texturePass(luma, width, height, true);
    return { ...nativeFeatures(t, width, height), ...analysisFeatures(t, width, height) };
  }
  const analysis = boxDownsample(luma, width, height, factor);
  return {
    ...nativeTexture(luma, width, height),
    ...sharpnessAndNoise(analysis.plane, analysis.width, analysis.height),
  };
}

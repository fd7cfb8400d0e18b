import type { DecodedImage } from '../image/decoded-image.ts';
import { concatenatedEntropy, histogramMeanStd } from './histogram-stats.ts';
import { HUE_BY_DIFFERENCES, HUE_CENTRE, HUE_STRIDE, SATURATION_BY_RANGE } from './pillow-hsv.ts';

/** Luma thresholds for dark and over-exposed pixels: 5% and 95% of full scale. */
const DARK_LUMA = 0.05 * 255;
const BRIGHT_LUMA = 0.95 * 255;
/** A pixel is chromatic when its Pillow saturation byte is at least 10% of full scale. */
const CHROMATIC_SATURATION = Math.ceil(0.1 * 255);

/** Rec.601 luma weights (ITU-R BT.601): Y = 0.299 R + 0.587 G + 0.114 B. */
const WR = 0.299;
const WG = 0.587;
const WB = 0.114;
// The products w·v for every sample value: the same doubles the multiplications give, added in the
// same order, so the luma plane is bit for bit 0.299 R + 0.587 G + 0.114 B rounded to float.
const LUMA_R = Float64Array.from({ length: 256 }, (_, v) => WR * v);
const LUMA_G = Float64Array.from({ length: 256 }, (_, v) => WG * v);
const LUMA_B = Float64Array.from({ length: 256 }, (_, v) => WB * v);

// Pillow hue bytes as angles on the unit circle, for circular statistics.
const HUE_COS = Float64Array.from({ length: 256 }, (_, h) => Math.cos((2 * Math.PI * h) / 256));
const HUE_SIN = Float64Array.from({ length: 256 }, (_, h) => Math.sin((2 * Math.PI * h) / 256));

export interface ColourStats {
  readonly values: Record<string, number | undefined>;
  /** Rec.601 luma plane, one float per pixel, for the texture pass. */
  readonly luma: Float32Array;
}

/** What the per-pixel loop gathers; every colour statistic is derived from it afterwards. */
interface PixelTallies {
  /** Sample histograms of R, G, B (one shared array for grey images). */
  readonly red: Uint32Array;
  readonly green: Uint32Array;
  readonly blue: Uint32Array;
  /** Pillow V (max) and S bytes. */
  readonly value: Uint32Array;
  readonly saturation: Uint32Array;
  /** Pillow H bytes, split by chromaticity: bin 2h counts achromatic pixels, 2h + 1 chromatic ones. */
  readonly hueByChroma: Uint32Array;
  /** Σ RG, Σ RB, Σ GB. */
  readonly rg: number;
  readonly rb: number;
  readonly gb: number;
  readonly dark: number;
  readonly bright: number;
}

// The RGB loop's histograms live in one array (one bounds check and base for all of them):
const RED = 0;
const GREEN = 256;
const BLUE = 512;
const VALUE = 768;
const SATURATION = 1024;
/** Pillow H bytes, split by chromaticity: HUE + 2h counts achromatic pixels, HUE + 2h + 1 chromatic. */
const HUE = 1280;
const HISTOGRAMS = 1792;

/**
 * RGB pixels: fills the tallies and the luma plane. Per pixel only table lookups, histogram
 * increments, one luma sum and three integer products; no branch on which channel is the maximum.
 */
function tallyRgb(pixels: Uint8Array, channels: number, luma: Float32Array): PixelTallies {
  const hist = new Uint32Array(HISTOGRAMS);
  let rg = 0;
  let rb = 0;
  let gb = 0;
  let dark = 0;
  let bright = 0;
  const n = luma.length;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    const r = pixels[p] as number;
    const g = pixels[p + 1] as number;
    const b = pixels[p + 2] as number;
    hist[RED + r]!++;
    hist[GREEN + g]!++;
    hist[BLUE + b]!++;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    hist[VALUE + max]!++;
    const s = SATURATION_BY_RANGE[(max - min) * 256 + max] as number;
    hist[SATURATION + s]!++;
    const h = HUE_BY_DIFFERENCES[HUE_CENTRE + (r - g) * HUE_STRIDE + (g - b)] as number;
    // (CHROMATIC_SATURATION − 1 − s) >>> 31 is 1 exactly when s ≥ CHROMATIC_SATURATION.
    hist[HUE + 2 * h + ((CHROMATIC_SATURATION - 1 - s) >>> 31)]!++;
    const y = (LUMA_R[r] as number) + (LUMA_G[g] as number) + (LUMA_B[b] as number);
    luma[i] = y;
    dark += +(y < DARK_LUMA);
    bright += +(y > BRIGHT_LUMA);
    rg += r * g;
    rb += r * b;
    gb += g * b;
  }
  return {
    red: hist.subarray(RED, GREEN),
    green: hist.subarray(GREEN, BLUE),
    blue: hist.subarray(BLUE, VALUE),
    value: hist.subarray(VALUE, SATURATION),
    saturation: hist.subarray(SATURATION, HUE),
    hueByChroma: hist.subarray(HUE, HISTOGRAMS),
    rg,
    rb,
    gb,
    dark,
    bright,
  };
}

/** Grey pixels: R = G = B = v, so H = S = 0, V = v and luma = v. */
function tallyGrey(pixels: Uint8Array, channels: number, luma: Float32Array): PixelTallies {
  const grey = new Uint32Array(256);
  let dark = 0;
  let bright = 0;
  const n = luma.length;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    const v = pixels[p] as number;
    grey[v]!++;
    luma[i] = v;
    if (v < DARK_LUMA) dark++;
    else if (v > BRIGHT_LUMA) bright++;
  }
  const zero = new Uint32Array(256);
  zero[0] = n;
  const hueByChroma = new Uint32Array(512);
  hueByChroma[0] = n;
  const squares = histogramSums(grey).sum2;
  return {
    red: grey,
    green: grey,
    blue: grey,
    value: grey,
    saturation: zero,
    hueByChroma,
    rg: squares,
    rb: squares,
    gb: squares,
    dark,
    bright,
  };
}

/** Histogram of the alpha samples (the last channel). */
function alphaHistogram(pixels: Uint8Array, channels: number): Uint32Array {
  const alpha = new Uint32Array(256);
  for (let p = channels - 1; p < pixels.length; p += channels) alpha[pixels[p] as number]!++;
  return alpha;
}

/** Σ i·h[i] and Σ i²·h[i] of a 256-bin histogram. */
function histogramSums(hist: Uint32Array): { sum: number; sum2: number } {
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < 256; i++) {
    const c = hist[i] as number;
    sum += i * c;
    sum2 += i * i * c;
  }
  return { sum, sum2 };
}

/**
 * One pass over the pixels fills histograms (Pillow H, S, V and the bands; hues split by
 * chromaticity), the luma plane and three cross products; every colour statistic is then derived
 * from those. Per-channel sums, squares and clipped counts come from the band histograms; the luma
 * mean and variance and colourfulness from the cross products, as Y and rg, yb are linear in R, G,
 * B: ΣY² = Σ(wR·R + wG·G + wB·B)² expands into ΣR², ΣRG, …, and Σ(R−G)² = ΣR² + ΣG² − 2ΣRG.
 * Alpha is ignored for colour (as Pillow does for HSV) but kept in entropy, like Pillow on RGBA.
 */
export function colourPass(image: DecodedImage): ColourStats {
  const { width, height, channels, pixels } = image;
  const n = width * height;
  const grey = channels <= 2;
  const luma = new Float32Array(n);
  const t = grey ? tallyGrey(pixels, channels, luma) : tallyRgb(pixels, channels, luma);

  const R = histogramSums(t.red);
  const G = grey ? R : histogramSums(t.green);
  const B = grey ? R : histogramSums(t.blue);
  const hue = new Uint32Array(256);
  let chromatic = 0;
  let hueCos = 0;
  let hueSin = 0;
  for (let h = 0; h < 256; h++) {
    const c = t.hueByChroma[2 * h + 1] as number;
    hue[h] = (t.hueByChroma[2 * h] as number) + c;
    chromatic += c;
    hueCos += c * (HUE_COS[h] as number);
    hueSin += c * (HUE_SIN[h] as number);
  }
  const clipped = (hist: Uint32Array) => (hist[0] as number) + (hist[255] as number);
  const clippedSamples = grey
    ? clipped(t.red)
    : clipped(t.red) + clipped(t.green) + clipped(t.blue);

  const hueStats = histogramMeanStd(hue);
  const sat = histogramMeanStd(t.saturation);
  const val = histogramMeanStd(t.value);
  const bands = grey ? [t.red] : [t.red, t.green, t.blue];
  if (channels === 2 || channels === 4) bands.push(alphaHistogram(pixels, channels));
  const lumaMean = (WR * R.sum + WG * G.sum + WB * B.sum) / n;
  const lumaSquares =
    WR * WR * R.sum2 +
    WG * WG * G.sum2 +
    WB * WB * B.sum2 +
    2 * (WR * WG * t.rg + WR * WB * t.rb + WG * WB * t.gb);
  const channelTotal = R.sum + G.sum + B.sum;
  const resultant = chromatic > 0 ? Math.hypot(hueCos, hueSin) / chromatic : undefined;
  const angle = (Math.atan2(hueSin, hueCos) * 180) / Math.PI;

  // Hasler & Süsstrunk (2003), "Measuring colourfulness in natural images", eq. 3, with
  // rg = R − G and yb = (R + G)/2 − B expanded into sums the pass accumulated.
  const rgMean = (R.sum - G.sum) / n;
  const ybMean = (0.5 * (R.sum + G.sum) - B.sum) / n;
  const rg2 = (R.sum2 + G.sum2 - 2 * t.rg) / n;
  const yb2 = (0.25 * R.sum2 + 0.25 * G.sum2 + B.sum2 + 0.5 * t.rg - t.rb - t.gb) / n;
  const rgVar = Math.max(0, rg2 - rgMean * rgMean);
  const ybVar = Math.max(0, yb2 - ybMean * ybMean);
  const colourfulness = Math.sqrt(rgVar + ybVar) + 0.3 * Math.hypot(rgMean, ybMean);

  return {
    luma,
    values: {
      'hue.mean': hueStats.mean,
      'hue.stddev': hueStats.stddev,
      'saturation.mean': sat.mean,
      'saturation.stddev': sat.stddev,
      'brightness.mean': val.mean,
      'brightness.stddev': val.stddev,
      entropy: concatenatedEntropy(bands),
      'luma.mean': lumaMean,
      'luma.contrast': Math.sqrt(Math.max(0, lumaSquares / n - lumaMean * lumaMean)),
      'dark.fraction': t.dark / n,
      'overexposed.fraction': t.bright / n,
      'clipped.fraction': clippedSamples / (n * (grey ? 1 : 3)),
      'hue.circularMean': resultant === undefined ? undefined : (angle + 360) % 360,
      'hue.concentration': resultant,
      'chromatic.fraction': chromatic / n,
      'red.relative': channelTotal > 0 ? R.sum / channelTotal : 1 / 3,
      'green.relative': channelTotal > 0 ? G.sum / channelTotal : 1 / 3,
      'blue.relative': channelTotal > 0 ? B.sum / channelTotal : 1 / 3,
      colourfulness,
    },
  };
}

import type { DecodedImage } from '../image/decoded-image.ts';
import { concatenatedEntropy, histogramMeanStd } from './histogram-stats.ts';
import { hueByte, saturationByte } from './pillow-hsv.ts';

/** Luma thresholds for dark and over-exposed pixels: 5% and 95% of full scale. */
const DARK_LUMA = 0.05 * 255;
const BRIGHT_LUMA = 0.95 * 255;
/** A pixel is chromatic when its Pillow saturation byte is at least 10% of full scale. */
const CHROMATIC_SATURATION = Math.ceil(0.1 * 255);

// Pillow hue bytes as angles on the unit circle, for circular statistics.
const HUE_COS = new Float64Array(256);
const HUE_SIN = new Float64Array(256);
for (let h = 0; h < 256; h++) {
  HUE_COS[h] = Math.cos((2 * Math.PI * h) / 256);
  HUE_SIN[h] = Math.sin((2 * Math.PI * h) / 256);
}

export interface ColourStats {
  readonly values: Record<string, number | undefined>;
  /** Rec.601 luma plane, one float per pixel, for the texture pass. */
  readonly luma: Float32Array;
}

/** Σ i·h[i] and Σ i²·h[i] of a 256-bin histogram. */
function histogramSums(hist: Uint32Array): { sum: number; sum2: number; count: number } {
  let sum = 0;
  let sum2 = 0;
  let count = 0;
  for (let i = 0; i < 256; i++) {
    const c = hist[i] as number;
    count += c;
    sum += i * c;
    sum2 += i * i * c;
  }
  return { sum, sum2, count };
}

/**
 * One pass over the pixels fills histograms (Pillow H, S, V and the bands; chromatic hues), the luma
 * plane and a few cross products; every colour statistic is then derived from those. Per-channel
 * sums, squares and clipped counts come from the band histograms, and colourfulness from the cross
 * products: Σ(R−G)² = ΣR² + ΣG² − 2ΣRG, and likewise for yellow–blue. Keeping the per-pixel work to
 * table lookups and integer adds is what keeps profiling close to decoding speed (docs/performance.md).
 * Alpha is ignored for colour (as Pillow does for HSV) but kept in entropy, like Pillow on RGBA.
 */
export function colourPass(image: DecodedImage): ColourStats {
  const { width, height, channels, pixels } = image;
  const n = width * height;
  const grey = channels <= 2;
  const hasAlpha = channels === 2 || channels === 4;

  const hHist = new Uint32Array(256);
  const sHist = new Uint32Array(256);
  const vHist = new Uint32Array(256);
  const chromaHist = new Uint32Array(256);
  const rHist = new Uint32Array(256);
  const gHist = grey ? rHist : new Uint32Array(256);
  const bHist = grey ? rHist : new Uint32Array(256);
  const aHist = new Uint32Array(256);
  const luma = new Float32Array(n);

  let lumaSum = 0;
  let lumaSum2 = 0;
  let dark = 0;
  let bright = 0;
  let rg = 0;
  let rb = 0;
  let gb = 0;

  if (grey) {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const v = pixels[p] as number;
      if (hasAlpha) aHist[pixels[p + 1] as number]!++;
      rHist[v]!++;
      luma[i] = v;
      lumaSum += v;
      lumaSum2 += v * v;
      if (v < DARK_LUMA) dark++;
      else if (v > BRIGHT_LUMA) bright++;
    }
    hHist[0] = n;
    sHist[0] = n;
    vHist.set(rHist);
  } else {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const r = pixels[p] as number;
      const g = pixels[p + 1] as number;
      const b = pixels[p + 2] as number;
      if (hasAlpha) aHist[pixels[p + 3] as number]!++;
      rHist[r]!++;
      gHist[g]!++;
      bHist[b]!++;
      const max = r > g ? Math.max(r, b) : Math.max(g, b);
      const min = r < g ? Math.min(r, b) : Math.min(g, b);
      vHist[max]!++;
      if (max === min) {
        hHist[0]!++;
        sHist[0]!++;
      } else {
        const h = hueByte(r, g, b, max);
        const s = saturationByte(max, min);
        hHist[h]!++;
        sHist[s]!++;
        if (s >= CHROMATIC_SATURATION) chromaHist[h]!++;
      }
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      luma[i] = y;
      lumaSum += y;
      lumaSum2 += y * y;
      if (y < DARK_LUMA) dark++;
      else if (y > BRIGHT_LUMA) bright++;
      rg += r * g;
      rb += r * b;
      gb += g * b;
    }
  }

  const R = histogramSums(rHist);
  const G = grey ? R : histogramSums(gHist);
  const B = grey ? R : histogramSums(bHist);
  if (grey) {
    // R = G = B for every pixel.
    rg = R.sum2;
    rb = R.sum2;
    gb = R.sum2;
  }
  let chromatic = 0;
  let hueCos = 0;
  let hueSin = 0;
  for (let h = 0; h < 256; h++) {
    const c = chromaHist[h] as number;
    chromatic += c;
    hueCos += c * (HUE_COS[h] as number);
    hueSin += c * (HUE_SIN[h] as number);
  }
  const clippedSamples = grey
    ? (rHist[0] as number) + (rHist[255] as number)
    : (rHist[0] as number) +
      (rHist[255] as number) +
      (gHist[0] as number) +
      (gHist[255] as number) +
      (bHist[0] as number) +
      (bHist[255] as number);

  const hue = histogramMeanStd(hHist);
  const sat = histogramMeanStd(sHist);
  const val = histogramMeanStd(vHist);
  const bands = grey ? [rHist] : [rHist, gHist, bHist];
  if (hasAlpha) bands.push(aHist);
  const lumaMean = lumaSum / n;
  const channelTotal = R.sum + G.sum + B.sum;
  const resultant = chromatic > 0 ? Math.hypot(hueCos, hueSin) / chromatic : undefined;
  const angle = (Math.atan2(hueSin, hueCos) * 180) / Math.PI;

  // Hasler & Süsstrunk (2003), "Measuring colourfulness in natural images", eq. 3, with
  // rg = R − G and yb = (R + G)/2 − B expanded into sums the pass accumulated.
  const rgMean = (R.sum - G.sum) / n;
  const ybMean = (0.5 * (R.sum + G.sum) - B.sum) / n;
  const rg2 = (R.sum2 + G.sum2 - 2 * rg) / n;
  const yb2 = (0.25 * R.sum2 + 0.25 * G.sum2 + B.sum2 + 0.5 * rg - rb - gb) / n;
  const rgVar = Math.max(0, rg2 - rgMean * rgMean);
  const ybVar = Math.max(0, yb2 - ybMean * ybMean);
  const colourfulness = Math.sqrt(rgVar + ybVar) + 0.3 * Math.hypot(rgMean, ybMean);

  return {
    luma,
    values: {
      'hue.mean': hue.mean,
      'hue.stddev': hue.stddev,
      'saturation.mean': sat.mean,
      'saturation.stddev': sat.stddev,
      'brightness.mean': val.mean,
      'brightness.stddev': val.stddev,
      entropy: concatenatedEntropy(bands),
      'luma.mean': lumaMean,
      'luma.contrast': Math.sqrt(Math.max(0, lumaSum2 / n - lumaMean * lumaMean)),
      'dark.fraction': dark / n,
      'overexposed.fraction': bright / n,
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

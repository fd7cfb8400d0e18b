import type { DecodedImage } from '../image/decoded-image.ts';
import { concatenatedEntropy, histogramMeanStd } from './histogram-stats.ts';
import { pillowHue, pillowSaturation } from './pillow-hsv.ts';

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

/**
 * One pass over the pixels: Pillow HSV histograms, per-band histograms (entropy), luma plane and
 * moments, exposure fractions, clipped samples, circular hue, channel sums and colourfulness.
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
  const rHist = new Uint32Array(256);
  const gHist = grey ? rHist : new Uint32Array(256);
  const bHist = grey ? rHist : new Uint32Array(256);
  const aHist = new Uint32Array(256);
  const luma = new Float32Array(n);

  let lumaSum = 0;
  let lumaSum2 = 0;
  let dark = 0;
  let bright = 0;
  let clipped = 0;
  let chromatic = 0;
  let hueCos = 0;
  let hueSin = 0;
  let rSum = 0;
  let gSum = 0;
  let bSum = 0;
  let rgSum = 0;
  let rgSum2 = 0;
  let ybSum = 0;
  let ybSum2 = 0;

  for (let i = 0, p = 0; i < n; i++, p += channels) {
    const r = pixels[p] as number;
    const g = grey ? r : (pixels[p + 1] as number);
    const b = grey ? r : (pixels[p + 2] as number);
    if (hasAlpha) aHist[pixels[p + channels - 1] as number]!++;
    rHist[r]!++;
    if (!grey) {
      gHist[g]!++;
      bHist[b]!++;
    }
    rSum += r;
    gSum += g;
    bSum += b;

    const max = r > g ? Math.max(r, b) : Math.max(g, b);
    const min = r < g ? Math.min(r, b) : Math.min(g, b);
    vHist[max]!++;
    if (max === min) {
      hHist[0]!++;
      sHist[0]!++;
    } else {
      const h = pillowHue(r, g, b, max, min);
      const s = pillowSaturation(max, min);
      hHist[h]!++;
      sHist[s]!++;
      if (s >= CHROMATIC_SATURATION) {
        chromatic++;
        hueCos += HUE_COS[h] as number;
        hueSin += HUE_SIN[h] as number;
      }
    }

    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    luma[i] = y;
    lumaSum += y;
    lumaSum2 += y * y;
    if (y < DARK_LUMA) dark++;
    else if (y > BRIGHT_LUMA) bright++;
    if (r === 0 || r === 255) clipped++;
    if (!grey) {
      if (g === 0 || g === 255) clipped++;
      if (b === 0 || b === 255) clipped++;
    }

    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    rgSum += rg;
    rgSum2 += rg * rg;
    ybSum += yb;
    ybSum2 += yb * yb;
  }

  const hue = histogramMeanStd(hHist);
  const sat = histogramMeanStd(sHist);
  const val = histogramMeanStd(vHist);
  const bands = grey ? [rHist] : [rHist, gHist, bHist];
  if (hasAlpha) bands.push(aHist);
  const lumaMean = lumaSum / n;
  const channelTotal = rSum + gSum + bSum;
  const resultant = chromatic > 0 ? Math.hypot(hueCos, hueSin) / chromatic : undefined;
  const angle = (Math.atan2(hueSin, hueCos) * 180) / Math.PI;

  // Hasler & Süsstrunk (2003), "Measuring colourfulness in natural images", eq. 3.
  const rgMean = rgSum / n;
  const ybMean = ybSum / n;
  const rgVar = Math.max(0, rgSum2 / n - rgMean * rgMean);
  const ybVar = Math.max(0, ybSum2 / n - ybMean * ybMean);
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
      'clipped.fraction': clipped / (n * (grey ? 1 : 3)),
      'hue.circularMean': resultant === undefined ? undefined : (angle + 360) % 360,
      'hue.concentration': resultant,
      'chromatic.fraction': chromatic / n,
      'red.relative': channelTotal > 0 ? rSum / channelTotal : 1 / 3,
      'green.relative': channelTotal > 0 ? gSum / channelTotal : 1 / 3,
      'blue.relative': channelTotal > 0 ? bSum / channelTotal : 1 / 3,
      colourfulness,
    },
  };
}

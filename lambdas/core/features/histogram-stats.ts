/**
 * Statistics of 256-bin histograms with Pillow ImageStat semantics (src/PIL/ImageStat.py):
 * mean = Σ i·h[i] / n; population variance = (Σ i²·h[i] − (Σ i·h[i])² / n) / n.
 */
export function histogramMeanStd(hist: Uint32Array | Float64Array): {
  mean: number;
  stddev: number;
} {
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < hist.length; i++) {
    const c = hist[i] as number;
    n += c;
    sum += i * c;
    sum2 += i * i * c;
  }
  if (n === 0) return { mean: 0, stddev: 0 };
  const variance = (sum2 - (sum * sum) / n) / n;
  return { mean: sum / n, stddev: Math.sqrt(Math.max(0, variance)) };
}

/**
 * Pillow Image.entropy() (src/_imaging.c `_entropy`): Shannon entropy in bits of the histogram of all
 * bands concatenated, so an RGB image ranges over 0…log2(768) and a grey one over 0…8.
 */
export function concatenatedEntropy(hists: readonly Uint32Array[]): number {
  let total = 0;
  for (const h of hists) for (let i = 0; i < h.length; i++) total += h[i] as number;
  if (total === 0) return 0;
  let entropy = 0;
  for (const h of hists) {
    for (let i = 0; i < h.length; i++) {
      const c = h[i] as number;
      if (c > 0) {
        const p = c / total;
        entropy -= p * Math.log2(p);
      }
    }
  }
  return entropy;
}

import { cleanImage, JPEG_QUALITY } from './eval/detection-lib.ts';
import { naturalPhotos } from './eval/natural-photos.ts';
import { CORRUPTIONS } from './lambdas/scenario/corruptions.ts';
import { encodeJpeg, SharpDecoder } from './lambdas/adapters/sharp-codec.ts';
const dec = new SharpDecoder();
const photos = await naturalPhotos();
function luma(img: any) { const { width: w, height: h, pixels: p } = img; const y = new Float32Array(w * h); for (let i = 0; i < w * h; i++) y[i] = 0.299 * p[3 * i] + 0.587 * p[3 * i + 1] + 0.114 * p[3 * i + 2]; return y; }
function stat(img: any) {
  const { width: w, height: h } = img; const y = luma(img);
  const s = new Float64Array(h - 1);
  for (let r = 0; r + 1 < h; r++) { let a = 0; for (let x = 0; x < w; x++) a += Math.abs(y[(r + 1) * w + x] - y[r * w + x]); s[r] = a / w; }
  const c = new Float64Array(w - 1);
  for (let x = 0; x + 1 < w; x++) { let a = 0; for (let r = 0; r < h; r++) a += Math.abs(y[r * w + x + 1] - y[r * w + x]); c[x] = a / h; }
  const dup = (v: Float64Array) => { let n = 0; for (let i = 0; i < v.length; i++) { let m = 0; for (let j = Math.max(0, i - 2); j <= Math.min(v.length - 1, i + 2); j++) if (j !== i) m = Math.max(m, v[j]); if (v[i] < 0.25 * m) n++; } return n / v.length; };
  return (dup(s) * s.length + dup(c) * c.length) / (s.length + c.length);
}
const size = { width: 320, height: 240, photos };
for (const scenes of ['photos', 'synthetic']) {
  const sz = scenes === 'photos' ? size : { width: 320, height: 240 };
  const rows: Record<string, number[]> = { clean: [], sev1: [], sev3: [] };
  for (let k = 0; k < 60; k++) {
    const seed = 777000 + k;
    const clean = await cleanImage(sz, seed);
    for (const [name, img] of [['clean', clean], ['sev1', await CORRUPTIONS.pixelate.severity1(clean, seed)], ['sev3', await CORRUPTIONS.pixelate.severity3(clean, seed)]] as const) {
      const d = await dec.decode(await encodeJpeg(img as any, JPEG_QUALITY)); if (!d.ok) throw 1;
      rows[name].push(stat(d.image));
    }
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))].toFixed(3);
  for (const [k, v] of Object.entries(rows)) console.log(scenes, k, [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => q(v, p)).join(' '));
}

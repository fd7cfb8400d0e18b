import { readFileSync } from 'node:fs';
for (const scenes of ['', '-photos']) {
  const d = JSON.parse(readFileSync(`eval/.cache/detection-v1${scenes}-320x240-seed1.json`, 'utf8'));
  const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(p * (s.length - 1))]; };
  console.log(scenes || 'synthetic');
  for (const f of ['sharpness', 'noise', 'flat.fraction', 'isolated.fraction', 'blockiness', 'entropy']) {
    const ref = d.reference.map((x: any) => x.numeric[f]).filter((v: any) => v !== undefined);
    const row = [f.padEnd(18), 'ref', [0.1, 0.5, 0.9].map(p => q(ref, p).toPrecision(3)).join('/')];
    for (const v of ['severity3', 'severity1']) {
      const c = d.corrupted.pixelate[v].map((x: any) => x.numeric[f]);
      row.push(v, [0.1, 0.5, 0.9].map(p => q(c, p).toPrecision(3)).join('/'));
    }
    console.log(row.join(' '));
  }
}

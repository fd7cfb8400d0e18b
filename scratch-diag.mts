import { readFileSync } from 'node:fs';
const [seed, cams, feature] = [process.argv[2], process.argv[3].split(','), process.argv[4]];
const dir = `eval/.cache/fleet-v1-photos-c100-f5-160x120-seed${seed}`;
const days = ['reference-4','reference-3','reference-2','reference-1', ...Array.from({length:10},(_,i)=>`day_${i+1}`)];
for (const cam of cams) {
  console.log(cam, feature);
  for (const d of days) {
    const u = JSON.parse(readFileSync(`${dir}/${d}.clean.json`,'utf8'));
    const vals = u[cam].map((f:any)=>f.numeric?.[feature] ?? f[feature]);
    console.log('  ', d, vals.map((v:number)=>typeof v==='number'? v.toPrecision(3): String(v)).join(' '));
  }
}

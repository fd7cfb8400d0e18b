/** `npm run eval`: every heavy evaluation, in order. Each script prints its own table. */
import { spawnSync } from 'node:child_process';

const scripts = [
  'eval/kll-accuracy.ts',
  'eval/stddev-band.ts',
  'eval/detection.ts',
  'eval/detection.ts --scenes photos',
  'eval/fleet.ts',
  'eval/fleet.ts --scenes photos',
  'eval/load-run.ts',
  'eval/label-memory.ts',
  'eval/night-memory.ts',
  'eval/model-outputs.ts',
];
let failed = false;
for (const script of scripts) {
  console.log(`\n### ${script}\n`);
  const result = spawnSync('npx', ['tsx', ...script.split(' '), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  failed ||= result.status !== 0;
}
process.exitCode = failed ? 1 : 0;

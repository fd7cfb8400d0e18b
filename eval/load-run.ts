/**
 * Load run through the local pipeline: 10,000 small photograph-like JPEGs plus a share of broken
 * files over 10 day folders, then `driftwatch run`'s pipeline; checks that every file is counted
 * exactly once (images profiled + unreadable = files written) and reports the time.
 *
 *   npx tsx eval/load-run.ts [--images 10000] [--json]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeJpeg, SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../lambdas/core/drift/monitor-config.ts';
import { runFolder } from '../lambdas/local/run-folder.ts';
import { syntheticPhoto } from '../lambdas/scenario/synthetic-photo.ts';

const args = process.argv.slice(2);
const IMAGES = Number(args[args.indexOf('--images') + 1]) || 10_000;
const DAYS = 10;
const BROKEN_EVERY = 200;

const root = await mkdtemp(path.join(tmpdir(), 'driftwatch-load-'));
try {
  let written = 0;
  let broken = 0;
  const started = performance.now();
  for (let i = 0; i < IMAGES; i++) {
    const day = path.join(root, `day_${(i % DAYS) + 1}`);
    if (i < DAYS) await mkdir(day, { recursive: true });
    if (i % BROKEN_EVERY === BROKEN_EVERY - 1) {
      await writeFile(path.join(day, `broken_${i}.jpg`), i % 2 ? '' : 'truncated');
      broken++;
    } else {
      await writeFile(
        path.join(day, `img_${i}.jpg`),
        await encodeJpeg(syntheticPhoto(96, 72, i, i % 2 ? 'cat' : 'dog'), 85),
      );
    }
    written++;
  }
  const generated = (performance.now() - started) / 1000;
  const run = await runFolder({
    root,
    config: DEFAULT_MONITOR_CONFIG,
    decoder: new SharpDecoder(),
  });
  const seconds = (performance.now() - started) / 1000 - generated;
  const profiled = run.days.reduce((n, d) => n + d.images, 0);
  const unreadable = run.days.reduce((n, d) => n + d.unreadable, 0);
  const exact = profiled + unreadable === written && unreadable === broken;
  if (args.includes('--json'))
    console.log(JSON.stringify({ written, broken, profiled, unreadable, seconds }));
  else
    console.log(
      `${written.toLocaleString()} files over ${DAYS} days (${broken} broken): ${profiled.toLocaleString()} profiled + ${unreadable} unreadable = ${(profiled + unreadable).toLocaleString()} ${exact ? '✓ exact' : '✗ MISMATCH'}; pipeline ${seconds.toFixed(1)} s (${(written / seconds).toFixed(0)} files/s), generation ${generated.toFixed(1)} s`,
    );
  if (!exact) process.exitCode = 1;
} finally {
  await rm(root, { recursive: true, force: true });
}

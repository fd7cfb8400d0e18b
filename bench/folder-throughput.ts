/**
 * Local mode on every core (issue 18): `driftwatch profile` on a folder of 1,000 500×375 JPEGs,
 * with 0, 2 and 4 worker threads, against bare sharp decode of the same files with 4 in flight,
 * all measured in one run. The profile timings are of the command's own work (list the folder,
 * read, decode, extract, build the profile), pool start-up and shut-down included; node's start-up
 * is not (docs/performance.md#cli-start-up).
 *
 *   npx tsx bench/run.ts --folder-only [--folder-images 1000]
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { expandPaths } from '../lambdas/adapters/local/image-folder.ts';
import { ImageWorkerPool } from '../lambdas/adapters/local/image-worker-pool.ts';
import { encodeJpeg, SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { encodeProfile } from '../lambdas/core/profile/profile-codec.ts';
import { runInFlight } from '../lambdas/core/util/in-flight.ts';
import { syntheticPhoto } from '../lambdas/scenario/synthetic-photo.ts';
import { profileImages } from '../lambdas/use-cases/profile-images.ts';

type Row = (...cells: (string | number)[]) => void;
type Log = (message: string) => void;

const BASELINE_IN_FLIGHT = 4;

/**
 * A folder of `count` photograph-like JPEGs (q90, the seeds of the profiling rows), written once
 * under the temporary folder and reused by later runs.
 */
async function benchFolder(count: number, log: Log): Promise<string> {
  const folder = path.join(tmpdir(), `driftwatch-bench-folder-500x375-${count}`);
  const done = path.join(folder, '.complete');
  if (
    await access(done).then(
      () => true,
      () => false,
    )
  )
    return folder;
  log(`writing ${count} 500×375 JPEGs to ${folder} (once; reused by later runs)…`);
  await mkdir(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const photo = syntheticPhoto(500, 375, 900_000 + i, i % 2 ? 'cat' : 'dog');
    await writeFile(
      path.join(folder, `img_${String(i).padStart(5, '0')}.jpg`),
      await encodeJpeg(photo, 90),
    );
  }
  await writeFile(done, '');
  return folder;
}

/** Images per second reading and decoding every file to raw pixels, 4 in flight. */
async function bareDecodeRate(folder: string): Promise<number> {
  const files = await expandPaths([folder]);
  const started = performance.now();
  await runInFlight(files.length, BASELINE_IN_FLIGHT, async (i) => {
    await sharp(await readFile((files[i] as { path: string }).path))
      .raw()
      .toBuffer();
  });
  return files.length / ((performance.now() - started) / 1000);
}

/** Images per second of the `profile` command's work with `workers` threads (0: main thread). */
async function profileRate(
  folder: string,
  workers: number,
): Promise<{ rate: number; bytes: Uint8Array }> {
  const started = performance.now();
  const pool = workers > 0 ? new ImageWorkerPool({ workers }) : undefined;
  let result: { images: number; bytes: Uint8Array };
  try {
    const { profile } = await profileImages(await expandPaths([folder]), {
      dataset: 'bench',
      window: { start: 'day', end: 'day' },
      decoder: new SharpDecoder(),
      analyzer: pool,
      onProgress: () => {},
    });
    result = { images: profile.images, bytes: encodeProfile(profile) };
  } finally {
    await pool?.close();
  }
  return { rate: result.images / ((performance.now() - started) / 1000), bytes: result.bytes };
}

/** Rows: bare decode (the baseline, before and after), then `profile` at 0, 2 and 4 workers. */
export async function folderThroughputRows(count: number, row: Row, log: Log): Promise<void> {
  const folder = await benchFolder(count, log);
  log('folder throughput: warming up…');
  await bareDecodeRate(folder);
  log('folder throughput: bare decode, then profile with 0, 2 and 4 workers, then bare decode…');
  const before = await bareDecodeRate(folder);
  const runs: { workers: number; rate: number; bytes: Uint8Array }[] = [];
  for (const workers of [0, 2, 4]) runs.push({ workers, ...(await profileRate(folder, workers)) });
  const after = await bareDecodeRate(folder);
  // The baseline drifts with the machine's load: the mean of a measure before and one after.
  const baseline = (before + after) / 2;
  row(
    `folder of ${count} × 500×375: bare sharp decode, ${BASELINE_IN_FLIGHT} in flight (baseline)`,
    `${baseline.toFixed(0)} img/s`,
    `before ${before.toFixed(0)}, after ${after.toFixed(0)} img/s`,
    '1.00×',
  );
  const identical = runs.every((r) =>
    Buffer.from(r.bytes).equals(Buffer.from(runs[0]?.bytes ?? [])),
  );
  for (const { workers, rate } of runs)
    row(
      `folder of ${count} × 500×375: profile --workers ${workers}`,
      `${rate.toFixed(0)} img/s`,
      workers === 0
        ? 'main thread (as before --workers)'
        : `${(rate / (runs[0]?.rate ?? rate)).toFixed(2)}× --workers 0${identical ? ', same profile bytes' : ', PROFILE BYTES DIFFER'}`,
      `${(rate / baseline).toFixed(2)}×`,
    );
}

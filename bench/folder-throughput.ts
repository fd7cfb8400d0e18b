/**
 * Local mode on every core (issue 18): `driftwatch profile` on a folder of 1,000 500×375 JPEGs,
 * with 0, 2 and 4 worker threads, against bare sharp decode of the same files with 4 in flight,
 * all measured in one run (median of rounds: see folderThroughputRows). The profile timings are of
 * the command's own work (list the folder, read, decode, extract, build the profile) with the
 * workers started beforehand; the start-up of node and of the workers is not included (it is a
 * fixed cost per command, docs/performance.md#local-mode-on-every-core).
 *
 *   npx tsx bench/run.ts --folder-only [--folder-images 1000] [--folder-rounds 3]
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

interface Measure {
  /** Images per second, wall clock. */
  readonly rate: number;
  /** CPU milliseconds per image, every thread of the process (libvips, libuv, workers). */
  readonly cpu: number;
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function measure<T>(images: number, work: () => Promise<T>): Promise<Measure & { value: T }> {
  const [started, cpuStarted] = [performance.now(), cpuMs()];
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  return { rate: images / seconds, cpu: (cpuMs() - cpuStarted) / images, value };
}

/** Reading and decoding every file to raw pixels, 4 in flight. */
async function bareDecode(folder: string): Promise<Measure> {
  const files = await expandPaths([folder]);
  return measure(files.length, () =>
    runInFlight(files.length, BASELINE_IN_FLIGHT, async (i) => {
      await sharp(await readFile((files[i] as { path: string }).path))
        .raw()
        .toBuffer();
    }),
  );
}

/**
 * The `profile` command's work (list, read, decode, extract, profile) on the main thread (no pool)
 * or with a pool of workers already started.
 */
async function profileFolder(
  folder: string,
  pool: ImageWorkerPool | undefined,
): Promise<Measure & { bytes: Uint8Array }> {
  const inputs = await expandPaths([folder]);
  const { value, ...measured } = await measure(inputs.length, async () =>
    encodeProfile(
      (
        await profileImages(inputs, {
          dataset: 'bench',
          window: { start: 'day', end: 'day' },
          decoder: new SharpDecoder(),
          analyzer: pool,
          onProgress: () => {},
        })
      ).profile,
    ),
  );
  return { ...measured, bytes: value };
}

/**
 * A pool whose workers have loaded their modules and compiled the feature passes, as they have a
 * few images into a folder: from the TypeScript source each worker first transpiles its modules
 * (seconds here), which the build does not do; the start-up of the command is measured apart.
 */
async function warmPool(folder: string, workers: number): Promise<ImageWorkerPool> {
  const pool = new ImageWorkerPool({ workers });
  const files = (await expandPaths([folder])).slice(0, 4 * workers);
  await Promise.all(files.map(async (file) => pool.analyze(await file.read(), file.key)));
  return pool;
}

const WORKER_COUNTS = [0, 2, 4] as const;
type Mode = 'bare' | (typeof WORKER_COUNTS)[number];

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(mid)] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const range = (values: readonly number[], digits: number) =>
  values.length > 1
    ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`
    : '';

/**
 * Rows: bare decode (the baseline), then `profile` at 0, 2 and 4 workers, each the median of
 * `rounds` rounds. Every round measures all four back to back, in an order rotated from round to
 * round, and each ratio is taken within its round: a machine whose load changes between rounds
 * moves the rates, much less the ratios. The CPU time per image (all threads) is given too: on a
 * shared machine the wall-clock ratios only show the cores this process was given, while
 * bare decode's CPU per image over profiling's is the ratio both reach once they fill idle cores.
 */
export async function folderThroughputRows(
  count: number,
  rounds: number,
  row: Row,
  log: Log,
): Promise<void> {
  const folder = await benchFolder(count, log);
  log('folder throughput: warming up…');
  await bareDecode(folder);
  const modes: readonly Mode[] = ['bare', ...WORKER_COUNTS];
  const pools = new Map<Mode, ImageWorkerPool | undefined>();
  for (const w of WORKER_COUNTS) if (w > 0) pools.set(w, await warmPool(folder, w));
  const measures = new Map<Mode, Measure[]>(modes.map((m) => [m, []]));
  const profiles: Uint8Array[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const order = modes.map((_, i) => modes[(i + round) % modes.length] as Mode);
      log(`folder throughput: round ${round + 1}/${rounds}: ${order.join(', ')}…`);
      for (const mode of order) {
        if (mode === 'bare') measures.get(mode)?.push(await bareDecode(folder));
        else {
          const { bytes, ...measured } = await profileFolder(folder, pools.get(mode));
          measures.get(mode)?.push(measured);
          profiles.push(bytes);
        }
      }
    }
  } finally {
    for (const pool of pools.values()) await pool?.close();
  }
  const of = (mode: Mode) => measures.get(mode) as Measure[];
  const rates = (mode: Mode) => of(mode).map((m) => m.rate);
  const cpu = (mode: Mode) => median(of(mode).map((m) => m.cpu));
  /** Per round, mode's rate over another's. */
  const ratios = (mode: Mode, to: Mode) => rates(mode).map((r, i) => r / (rates(to)[i] as number));
  const label = `folder of ${count} × 500×375`;
  const sample = `median of ${rounds} round${rounds === 1 ? '' : 's'}`;
  row(
    `${label}: bare sharp decode, ${BASELINE_IN_FLIGHT} in flight (baseline)`,
    `${median(rates('bare')).toFixed(0)} img/s`,
    `${sample}${range(rates('bare'), 0)}; CPU ${cpu('bare').toFixed(1)} ms/img`,
    '1.00×',
  );
  const identical = profiles.every((p) => Buffer.from(p).equals(Buffer.from(profiles[0] ?? [])));
  for (const w of WORKER_COUNTS) {
    const speedup = ratios(w, 0);
    row(
      `${label}: profile --workers ${w}`,
      `${median(rates(w)).toFixed(0)} img/s`,
      `CPU ${cpu(w).toFixed(1)} ms/img; ${
        w === 0
          ? `main thread${identical ? ', every run wrote the same profile bytes' : ', PROFILE BYTES DIFFER'}`
          : `${median(speedup).toFixed(2)}× --workers 0${range(speedup, 2)}`
      }`,
      `${median(ratios(w, 'bare')).toFixed(2)}×${range(ratios(w, 'bare'), 2)}`,
    );
  }
  row(
    `${label}: profile on idle cores (CPU per image, bare ÷ --workers 2)`,
    '',
    `${cpu('bare').toFixed(1)} ÷ ${cpu(2).toFixed(1)} ms/img`,
    `${(cpu('bare') / cpu(2)).toFixed(2)}×`,
  );
}

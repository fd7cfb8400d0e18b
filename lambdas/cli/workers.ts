import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import type { ImageAnalyzer } from '../ports/image-analyzer.ts';

/** Workers per core above which threads only wait for a core (and hold decoded pixels). */
export const MAX_WORKERS_PER_CORE = 4;

/** The default `--workers`: one per core this process may use. */
export const defaultWorkers = () => availableParallelism();

/** `--workers <n>` for the commands that profile images. */
export const workersOption = () =>
  new Option(
    '--workers <n>',
    'worker threads that decode and profile images (0: all on the main thread)',
  )
    .argParser(parseWorkers)
    .default(defaultWorkers(), `one per core, ${defaultWorkers()} here`);

/** Parses `--workers N`: an integer from 0 to 4 per core. */
export function parseWorkers(value: string): number {
  const n = Number(value);
  const max = MAX_WORKERS_PER_CORE * availableParallelism();
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > max)
    throw new InvalidArgumentError(`expected an integer from 0 to ${max} (4 per core)`);
  return n;
}

/**
 * Images a worker must have ahead of it to pay for its start: loading sharp and the feature code
 * takes a worker ~0.3 s, about 30 images of main-thread profiling at 500×375 (docs/performance.md,
 * "Local mode": 8 images took 1.95 s on the main thread and 3.05 s with 2 workers).
 */
export const IMAGES_PER_WORKER = 50;

/**
 * The workers to start for `images` images: what `--workers` asked for when it was given, else
 * the default capped at one per IMAGES_PER_WORKER images (a handful stays on the main thread).
 */
export const workersFor = (images: number, workers: number, givenByUser: boolean): number =>
  givenByUser ? workers : Math.min(workers, Math.floor(images / IMAGES_PER_WORKER));

/**
 * Runs `task` with the image analyzer `--workers` asks for: none (analysis on the main thread) for
 * 0, else a pool of worker threads, terminated when the task ends, however it ends.
 */
export async function withAnalyzer<T>(
  workers: number,
  task: (analyzer: ImageAnalyzer | undefined) => Promise<T>,
): Promise<T> {
  if (workers === 0) return task(undefined);
  const { ImageWorkerPool } = await import('../adapters/local/image-worker-pool.ts');
  const pool = new ImageWorkerPool({ workers });
  try {
    return await task(pool);
  } finally {
    await pool.close();
  }
}

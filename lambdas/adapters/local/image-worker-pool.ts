/**
 * Local mode on every core: a fixed pool of worker threads that decode images and extract their
 * features (image-worker.ts), so the JS passes over the pixels run in parallel instead of one at a
 * time on the main thread. The main thread reads the files, holds the pixel budget and builds the
 * profile in input order, so a run's results do not depend on the number of workers.
 */
import { Worker } from 'node:worker_threads';
import type { ImageAnalysis, ImageAnalyzer } from '../../ports/image-analyzer.ts';
import { DEFAULT_MAX_PIXELS } from '../sharp-codec.ts';
import type { AnalyzeTask, ImageWorkerSettings, WorkerMessage } from './image-worker-protocol.ts';

export interface ImageWorkerPoolOptions {
  /** Worker threads (at least 1); each analyses one image at a time. */
  readonly workers: number;
  /** Images above this many pixels are refused before decoding (SharpDecoder's limit). */
  readonly maxPixels?: number;
  /** The worker's module (tests give one that fails); default image-worker beside this file. */
  readonly entry?: URL;
}

/** Analysing an image failed in a worker: the analysis threw, or the worker stopped. */
export class ImageWorkerError extends Error {
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${message}`, options);
    this.name = 'ImageWorkerError';
  }
}

interface Task {
  readonly id: number;
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly resolve: (analysis: ImageAnalysis) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  task?: Task | undefined;
  /** The error the worker died of ('error' comes before 'exit'). */
  error?: Error | undefined;
  /** Its modules loaded: a worker that dies before that cannot start at all. */
  started: boolean;
}

/**
 * A fixed pool of image workers: one task in flight per worker, the rest queued here (the caller
 * bounds the queue by the images it keeps in flight). Workers start on first use and are unref'd
 * while idle, so a pool left open never keeps the process alive; `close()` terminates them.
 */
export class ImageWorkerPool implements ImageAnalyzer {
  readonly parallelism: number;
  private readonly settings: ImageWorkerSettings;
  private readonly entry: URL;
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;
  /** Set when a worker could not start: every later task fails with it rather than respawning. */
  private broken: Error | undefined;

  constructor(options: ImageWorkerPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new RangeError(`a worker pool needs at least 1 worker, got ${options.workers}`);
    this.parallelism = options.workers;
    this.settings = { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS };
    this.entry = options.entry ?? workerEntry();
  }

  /** Worker threads running now (started on demand, replaced when one dies). */
  get running(): number {
    return this.slots.size;
  }

  analyze(bytes: Uint8Array, key: string): Promise<ImageAnalysis> {
    if (this.closed) return Promise.reject(new ImageWorkerError(key, 'the worker pool is closed'));
    if (this.broken)
      return Promise.reject(new ImageWorkerError(key, this.broken.message, { cause: this.broken }));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, key, bytes, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates every worker; queued analyses fail. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0))
      task.reject(new ImageWorkerError(task.key, 'the worker pool was closed'));
    const slots = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    for (const slot of slots) {
      slot.task?.reject(new ImageWorkerError(slot.task.key, 'the worker pool was closed'));
      slot.task = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const slot =
        this.idle.pop() ?? (this.slots.size < this.parallelism ? this.spawn() : undefined);
      if (!slot) return;
      this.post(slot, this.queue.shift() as Task);
    }
  }

  private post(slot: Slot, task: Task): void {
    slot.task = task;
    slot.worker.ref();
    // The file's bytes move to the worker instead of being copied when they own their whole
    // buffer. A view into a larger one (a slice of Node's shared Buffer pool, which Node 21+
    // refuses to transfer) is copied first, so no other view's memory is detached.
    const { bytes } = task;
    const own =
      bytes.buffer instanceof ArrayBuffer &&
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength
        ? bytes
        : new Uint8Array(bytes);
    const message: AnalyzeTask = { id: task.id, key: task.key, bytes: own };
    slot.worker.postMessage(message, [own.buffer as ArrayBuffer]);
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry, { workerData: this.settings });
    const slot: Slot = { worker, started: false };
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) slot.started = true;
      else this.settle(slot, message);
    });
    worker.on('error', (error) => {
      slot.error = error;
    });
    worker.on('messageerror', (error) => {
      slot.error = error;
      void worker.terminate();
    });
    worker.on('exit', (code) => this.retire(slot, code));
    this.slots.add(slot);
    return slot;
  }

  private settle(slot: Slot, reply: Exclude<WorkerMessage, { ready: true }>): void {
    const task = slot.task;
    if (!task || task.id !== reply.id) return;
    slot.task = undefined;
    slot.worker.unref();
    if (!this.closed) this.idle.push(slot);
    if ('analysis' in reply) task.resolve(reply.analysis);
    else {
      const cause = Object.assign(new Error(reply.error.message), reply.error);
      task.reject(new ImageWorkerError(task.key, reply.error.message, { cause }));
    }
    this.dispatch();
  }

  /** A worker stopped: its task fails; the pool starts another worker for the rest. */
  private retire(slot: Slot, code: number): void {
    if (!this.slots.delete(slot)) return; // terminated by close()
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    const reason = slot.error?.message ?? `the worker exited with code ${code}`;
    if (!slot.started) this.broken = slot.error ?? new Error(reason);
    const task = slot.task;
    slot.task = undefined;
    task?.reject(
      new ImageWorkerError(task.key, `image worker stopped: ${reason}`, { cause: slot.error }),
    );
    if (this.broken)
      for (const queued of this.queue.splice(0))
        queued.reject(
          new ImageWorkerError(queued.key, `image worker could not start: ${reason}`, {
            cause: this.broken,
          }),
        );
    this.dispatch();
  }
}

/**
 * The worker's module beside this one: image-worker.js in the build (dist/); from the TypeScript
 * source (vitest, tsx), a small bootstrap that registers tsx in the worker, then imports
 * image-worker.ts.
 */
const workerEntry = () =>
  import.meta.url.endsWith('.ts')
    ? new URL('./image-worker-from-source.mjs', import.meta.url)
    : new URL('./image-worker.js', import.meta.url);

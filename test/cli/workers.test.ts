import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ImageWorkerPool } from '../../lambdas/adapters/local/image-worker-pool.ts';
import {
  IMAGES_PER_WORKER,
  parseWorkers,
  withAnalyzer,
  workersFor,
} from '../../lambdas/cli/workers.ts';

describe('--workers', () => {
  it('accepts 0 up to 4 per core and refuses anything else', () => {
    const max = 4 * availableParallelism();
    expect([parseWorkers('0'), parseWorkers('1'), parseWorkers(String(max))]).toEqual([0, 1, max]);
    for (const value of ['-1', '', 'two', '1.5', '1e1', String(max + 1)])
      expect(() => parseWorkers(value), value).toThrow(/from 0 to \d+/);
  });

  it('keeps a handful of images on the main thread by default, but obeys an explicit --workers', () => {
    expect(workersFor(8, 2, false)).toBe(0);
    expect(workersFor(IMAGES_PER_WORKER, 2, false)).toBe(1);
    expect(workersFor(1000, 2, false)).toBe(2);
    expect(workersFor(8, 2, true)).toBe(2);
    expect(workersFor(1000, 0, true)).toBe(0);
  });

  it('runs on the main thread for 0 workers', async () => {
    expect(await withAnalyzer(0, async (analyzer) => analyzer)).toBeUndefined();
  });

  it('terminates the pool when the command ends, and when it fails', async () => {
    let pool: ImageWorkerPool | undefined;
    const failing = withAnalyzer(2, async (analyzer) => {
      pool = analyzer as ImageWorkerPool;
      await pool.analyze(new Uint8Array(), 'empty.jpg');
      throw new Error('the run failed');
    });

    await expect(failing).rejects.toThrow('the run failed');
    expect(pool?.running).toBe(0);
    await expect(pool?.analyze(new Uint8Array(), 'late.jpg')).rejects.toThrow(/closed/);

    const result = await withAnalyzer(1, async (analyzer) => {
      pool = analyzer as ImageWorkerPool;
      return analyzer?.analyze(new Uint8Array(), 'empty.jpg');
    });
    expect(result).toMatchObject({ ok: false, reason: 'empty-file' });
    expect(pool?.running).toBe(0);
  });
});

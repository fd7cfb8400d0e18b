import { describe, expect, it } from 'vitest';
import { WeightedSemaphore } from '../../../lambdas/core/util/weighted-semaphore.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs tasks of the given weights on `semaphore`, each until `finish[i]()` is called. */
function holders(semaphore: WeightedSemaphore, weights: readonly number[]) {
  const running = new Set<number>();
  const finish: (() => void)[] = [];
  let peak = 0;
  const done = Promise.all(
    weights.map((w, i) =>
      semaphore.use(w, async () => {
        running.add(i);
        peak = Math.max(peak, semaphore.held);
        await new Promise<void>((resolve) => {
          finish[i] = resolve;
        });
        running.delete(i);
      }),
    ),
  );
  return { running, finish, done, peak: () => peak };
}

describe('WeightedSemaphore', () => {
  it('admits holders while their weights fit and makes the rest wait', async () => {
    const semaphore = new WeightedSemaphore(100);
    const h = holders(semaphore, [40, 50, 30]);
    await tick();
    expect([...h.running]).toEqual([0, 1]);
    expect(semaphore.held).toBe(90);
    h.finish[0]?.();
    await tick();
    expect([...h.running].sort()).toEqual([1, 2]);
    h.finish[1]?.();
    h.finish[2]?.();
    await h.done;
    expect(semaphore.held).toBe(0);
    expect(h.peak()).toBeLessThanOrEqual(100);
  });

  it('runs a holder heavier than the whole capacity alone instead of never', async () => {
    const semaphore = new WeightedSemaphore(100);
    const h = holders(semaphore, [10, 500, 10]);
    await tick();
    expect([...h.running]).toEqual([0]);
    h.finish[0]?.();
    await tick();
    expect([...h.running]).toEqual([1]);
    expect(semaphore.held).toBe(100);
    h.finish[1]?.();
    await tick();
    expect([...h.running]).toEqual([2]);
    h.finish[2]?.();
    await h.done;
  });

  it('serves waiters first come, first served, so a heavy one is not starved by light ones', async () => {
    const semaphore = new WeightedSemaphore(100);
    const h = holders(semaphore, [60, 80, 10, 10]);
    await tick();
    // 80 waits for room; the 10s behind it wait too, though they would fit now.
    expect([...h.running]).toEqual([0]);
    h.finish[0]?.();
    await tick();
    expect([...h.running].sort()).toEqual([1, 2, 3]);
    for (const f of h.finish) f?.();
    await h.done;
  });

  it('gives the weight back when the task throws, and once only when released twice', async () => {
    const semaphore = new WeightedSemaphore(10);
    await expect(
      semaphore.use(7, async () => {
        throw new Error('decode failed');
      }),
    ).rejects.toThrow('decode failed');
    expect(semaphore.held).toBe(0);
    const release = await semaphore.acquire(4);
    release();
    release();
    expect(semaphore.held).toBe(0);
  });

  it('takes an unknown weight as the whole capacity and a negative one as nothing', async () => {
    const semaphore = new WeightedSemaphore(10);
    const release = await semaphore.acquire(Number.NaN);
    expect(semaphore.held).toBe(10);
    release();
    const none = await semaphore.acquire(-5);
    expect(semaphore.held).toBe(0);
    none();
  });

  it('refuses a capacity that is not a positive finite number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new WeightedSemaphore(bad)).toThrow(RangeError);
  });
});

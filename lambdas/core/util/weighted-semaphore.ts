/**
 * A semaphore whose holders take different weights (an image takes its pixels): at most `capacity`
 * is held at once. Waiters are served first come, first served, so a large holder is not starved
 * by a stream of small ones. A weight above the capacity is clamped to it: that holder runs alone
 * rather than never.
 */
export class WeightedSemaphore {
  private available: number;
  private readonly waiting: { weight: number; admit: () => void }[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity > 0) || !Number.isFinite(capacity))
      throw new RangeError(`a semaphore needs a positive finite capacity, got ${capacity}`);
    this.available = capacity;
  }

  /** What is held now. */
  get held(): number {
    return this.capacity - this.available;
  }

  /** Waits until `weight` fits, takes it, and returns the function that gives it back (once). */
  async acquire(weight: number): Promise<() => void> {
    // An unknown (NaN) weight is taken as the whole capacity: safe, never a deadlock.
    const w = Number.isFinite(weight)
      ? Math.min(Math.max(weight, 0), this.capacity)
      : this.capacity;
    if (this.waiting.length === 0 && w <= this.available) this.available -= w;
    else await new Promise<void>((admit) => this.waiting.push({ weight: w, admit }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.available += w;
      this.admitWaiting();
    };
  }

  /** Runs `task` holding `weight`, and gives it back however the task ends. */
  async use<T>(weight: number, task: () => Promise<T>): Promise<T> {
    const release = await this.acquire(weight);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private admitWaiting(): void {
    for (
      let next = this.waiting[0];
      next && next.weight <= this.available;
      next = this.waiting[0]
    ) {
      this.waiting.shift();
      this.available -= next.weight;
      next.admit();
    }
  }
}

type Storage = Uint16Array | Int32Array | Float32Array;

/**
 * A typed-array column that grows by half again when full, so millions of values cost a few bytes
 * each instead of a boxed number. An `index` column starts as 16-bit and widens to 32-bit the first
 * time a value needs it: label and annotator numbers rarely pass 65,535.
 */
export class GrowableColumn {
  private data: Storage;
  length = 0;

  constructor(
    readonly kind: 'index' | 'int' | 'float',
    /** The value of slots that were never set (see `ensureLength`). */
    private readonly empty = 0,
  ) {
    this.data =
      kind === 'float'
        ? new Float32Array(1024)
        : kind === 'index'
          ? new Uint16Array(1024)
          : new Int32Array(1024);
  }

  private resize(capacity: number, widen = false): void {
    const next =
      this.data instanceof Float32Array
        ? new Float32Array(capacity)
        : this.data instanceof Uint16Array && !widen
          ? new Uint16Array(capacity)
          : new Int32Array(capacity);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(value: number): void {
    this.ensureLength(this.length + 1);
    this.set(this.length - 1, value);
  }

  /** Extends the column to `length` slots, the new ones holding the empty value. */
  ensureLength(length: number): void {
    if (length > this.data.length) this.resize(Math.max(length, Math.ceil(this.data.length * 1.5)));
    if (length > this.length) {
      if (this.empty !== 0) this.data.fill(this.empty, this.length, length);
      this.length = length;
    }
  }

  get(i: number): number {
    return this.data[i] as number;
  }

  set(i: number, value: number): void {
    if (this.data instanceof Uint16Array && value > 0xffff) this.resize(this.data.length, true);
    this.data[i] = value;
  }
}

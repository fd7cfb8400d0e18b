/**
 * Mulberry32: a tiny seeded 32-bit PRNG (Tommy Ettinger, public domain). Its whole state is one
 * uint32, so a sketch can persist it and continue the same random sequence after decoding.
 */
export class SeededRandom {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  get seed(): number {
    return this.state;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** 0 or 1 with equal probability. */
  bit(): 0 | 1 {
    return this.next() < 0.5 ? 0 : 1;
  }
}

/** FNV-1a hash of a string: a stable per-name seed. */
export function stableSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

import { GrowableColumn } from '../util/growable-column.ts';

/**
 * 64 bits of a string: the two 32-bit lanes of cyrb53 (bryc, public domain) over its UTF-16 code
 * units. Two different names share a fingerprint with probability about n²/2⁶⁵ over n names
 * (birthday bound): 4·10⁻⁷ for four million images.
 */
export function fingerprint(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

const EMPTY = -1;
const MAX_LOAD = 0.7;

/**
 * Numbers names 0, 1, 2… in order of first sight, remembering only their fingerprints (about
 * 14 bytes per name, whatever its length) in an open-addressing table with linear probing. A label
 * file can name millions of images with long URLs; the names themselves are read again from the
 * file when they are needed.
 */
export class NameIndex {
  private readonly high = new GrowableColumn('int');
  private readonly low = new GrowableColumn('int');
  private slots = new Int32Array(1 << 12).fill(EMPTY);

  get size(): number {
    return this.low.length;
  }

  /** The name's number, or −1 when it was never added. */
  find(name: string): number {
    const [low, high] = fingerprint(name);
    return this.slots[this.probe(low, high)] as number;
  }

  /** The name's number, adding it when it is new. */
  add(name: string): number {
    const [low, high] = fingerprint(name);
    const slot = this.probe(low, high);
    const found = this.slots[slot] as number;
    if (found !== EMPTY) return found;
    const index = this.size;
    this.low.push(low | 0);
    this.high.push(high | 0);
    this.slots[slot] = index;
    if (this.size > this.slots.length * MAX_LOAD) this.rehash();
    return index;
  }

  /** The slot holding the fingerprint, or the empty slot where it would go. */
  private probe(low: number, high: number): number {
    const mask = this.slots.length - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot] as number;
      if (index === EMPTY) return slot;
      if (this.low.get(index) === (low | 0) && this.high.get(index) === (high | 0)) return slot;
    }
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = this.slots.length - 1;
    for (let index = 0; index < this.size; index++) {
      let slot = this.low.get(index) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = index;
    }
  }
}

import { describe, expect, it } from 'vitest';
import { boundedLines, withoutLongLines } from '../../../lambdas/core/labels/bounded-lines.ts';

const MAX = 5;
// Lines of 0–9 bytes, some past MAX, the last without a newline.
const TEXT = 'ab\n\nabcdef\nabcde\nabcdefghi\nx\r\nabcdefgh';
const LONG = [
  { number: 3, length: 6 },
  { number: 5, length: 9 },
  { number: 7, length: 8 },
];

async function* chunked(size: number) {
  const bytes = Buffer.from(TEXT);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('bounded line splitting', () => {
  it('cuts the same lines whatever the chunk boundaries', async () => {
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const lines = [];
      for await (const l of boundedLines(chunked(size), MAX))
        lines.push(l.kind === 'line' ? l.bytes.toString() : { number: l.number, length: l.length });
      expect(lines, `chunks of ${size}`).toEqual([
        'ab\n',
        '\n',
        LONG[0],
        'abcde\n',
        LONG[1],
        'x\r\n',
        LONG[2],
      ]);

      const long: { number: number; length: number }[] = [];
      const kept = [];
      for await (const piece of withoutLongLines(chunked(size), MAX, (l) => long.push(l)))
        kept.push(piece);
      expect(Buffer.concat(kept).toString(), `chunks of ${size}`).toBe('ab\n\n\nabcde\n\nx\r\n');
      expect(long).toEqual(LONG);
    }
  });
});

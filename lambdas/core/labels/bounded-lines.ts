/** A physical line of a label file (with its newline, if it had one), or a line too long to keep. */
export type BoundedLine =
  | { readonly kind: 'line'; readonly bytes: Buffer; readonly number: number }
  | { readonly kind: 'too-long'; readonly number: number; readonly length: number };

/**
 * Splits a byte stream into lines of at most `maxBytes` (newline excluded), holding at most one
 * line: a longer line is dropped as it streams past and reported with its number and length, so a
 * 100 MB line without a newline costs `maxBytes` of memory, not 100 MB.
 */
export async function* boundedLines(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<BoundedLine> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let skipped = 0; // bytes of the current line dropped so far; > 0 while skipping
  let number = 1;
  for await (const raw of chunks) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline < 0 ? chunk.length : newline + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (skipped > 0) skipped += piece.length;
      else {
        pending.push(piece);
        pendingLength += piece.length;
        const content = pendingLength - (newline < 0 ? 0 : 1);
        if (content > maxBytes) {
          skipped = pendingLength;
          pending = [];
          pendingLength = 0;
        }
      }
      if (newline < 0) continue;
      if (skipped > 0) yield { kind: 'too-long', number, length: skipped - 1 };
      else yield { kind: 'line', bytes: joined(pending, pendingLength), number };
      pending = [];
      pendingLength = 0;
      skipped = 0;
      number++;
    }
  }
  if (skipped > 0) yield { kind: 'too-long', number, length: skipped };
  else if (pendingLength > 0) yield { kind: 'line', bytes: joined(pending, pendingLength), number };
}

/** One piece as is (most lines lie inside one chunk), several copied together. */
const joined = (pieces: Buffer[], length: number) =>
  pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, length);

const NEWLINE = Buffer.from('\n');

/**
 * Passes a byte stream on with every line longer than `maxBytes` (newline excluded) replaced by an
 * empty line, so a parser behind it keeps its line numbers and never holds a long line; each one
 * is reported through `onTooLong` as it ends. Lines of normal length pass as slices of the input
 * chunks (no per-line copies); at most one unfinished line (≤ `maxBytes`) is held.
 */
export async function* withoutLongLines(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  onTooLong: (line: { number: number; length: number }) => void,
): AsyncGenerator<Buffer> {
  let held: Buffer[] = []; // the start of the current line, from earlier chunks
  let heldLength = 0;
  let skipped = 0; // bytes of a too-long current line dropped so far; > 0 while skipping
  let number = 1;
  for await (const raw of chunks) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const out: Buffer[] = [];
    let lineStart = 0;
    let emitFrom = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) {
      const length = (skipped > 0 ? skipped : heldLength) + (nl - lineStart);
      if (skipped > 0 || length > maxBytes) {
        onTooLong({ number, length });
        out.push(chunk.subarray(emitFrom, lineStart), NEWLINE);
        emitFrom = nl + 1;
        skipped = 0;
      } else out.push(...held);
      held = [];
      heldLength = 0;
      number++;
      lineStart = nl + 1;
    }
    out.push(chunk.subarray(emitFrom, lineStart));
    const tail = chunk.subarray(lineStart);
    if (skipped > 0) skipped += tail.length;
    else if (heldLength + tail.length > maxBytes) {
      skipped = heldLength + tail.length;
      held = [];
      heldLength = 0;
    } else if (tail.length > 0) {
      held.push(tail);
      heldLength += tail.length;
    }
    for (const piece of out) if (piece.length > 0) yield piece;
  }
  if (skipped > 0) onTooLong({ number, length: skipped });
  else for (const piece of held) yield piece;
}

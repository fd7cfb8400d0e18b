import { Readable } from 'node:stream';
import Assembler from 'stream-json/assembler.js';
import parser from 'stream-json/parser.js';
import { MAX_JSON_DEPTH } from '../util/bounded-json.ts';
import { truncateText } from '../util/bounded-text.ts';
import type { LabelChunks } from './parse-labels.ts';

/** One element of a top-level JSON array (0-based index), or why it was refused. */
export type ArrayElement =
  | { readonly index: number; readonly value: unknown }
  | { readonly index: number; readonly refused: string };

type Token = { name: string; value?: unknown };

/**
 * Streams the elements of a top-level JSON array (a Label Studio export) without holding more
 * than one element: an element nested deeper than `maxDepth` or larger than `maxBytes` is refused
 * as it streams past (its tokens are counted, never assembled) and the elements after it are
 * still read. Malformed JSON ends the stream with an error once the elements before it are out.
 */
export async function* jsonArrayElements(
  chunks: LabelChunks,
  limits: { readonly maxBytes: number; readonly maxDepth?: number },
): AsyncGenerator<ArrayElement> {
  const source = Readable.from(
    (async function* () {
      for await (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
    })(),
  );
  // Strings, keys and numbers arrive in pieces (never packed by the parser), so one huge value is
  // counted against the limit instead of being buffered whole.
  const tokens = source.pipe(parser.asStream({ packValues: false, streamValues: true }));
  source.on('error', (error) => tokens.destroy(error));
  const elements = new ElementAssembler(limits.maxBytes, limits.maxDepth ?? MAX_JSON_DEPTH);
  try {
    yield* drain(tokens, (token: Token) => elements.push(token));
  } finally {
    // After malformed JSON or an early stop, release the source (an S3 body holds a socket).
    source.destroy();
    tokens.destroy();
  }
}

/** Turns parser tokens into array elements; holds one element at a time. */
class ElementAssembler {
  private depth = 0;
  private index = -1;
  private assembler: Assembler | undefined;
  private refused: string | undefined;
  private bytes = 0;
  private pieces: string[] = [];

  constructor(
    private readonly maxBytes: number,
    private readonly maxDepth: number,
  ) {}

  /** Consumes one token; returns the element it completed, if any. */
  push(token: Token): ArrayElement | undefined {
    const { name } = token;
    if (name === 'whitespace') return undefined;
    if (this.depth === 0) {
      if (name === 'startArray') this.depth = 1;
      else throw new Error('expected a JSON array of tasks at the top level');
      return undefined;
    }
    if (this.depth === 1) {
      if (name === 'endArray') {
        this.depth = 0;
        return undefined;
      }
      this.begin();
    }
    if (name === 'startObject' || name === 'startArray') {
      this.depth++;
      // depth 1 is the top-level array; the element's own nesting starts at 2.
      if (this.depth - 1 > this.maxDepth) this.refuse(`nested deeper than ${this.maxDepth} levels`);
      this.feed(token);
      return undefined;
    }
    if (name === 'endObject' || name === 'endArray') {
      this.depth--;
      this.feed(token);
      return this.depth === 1 ? this.finish() : undefined;
    }
    this.count(1);
    switch (name) {
      case 'startKey':
      case 'startString':
      case 'startNumber':
        this.pieces = [];
        return undefined;
      case 'stringChunk':
      case 'numberChunk':
        this.count((token.value as string).length);
        if (!this.refused) this.pieces.push(token.value as string);
        return undefined;
      case 'endKey':
        this.feed({ name: 'keyValue', value: this.pieces.join('') });
        return undefined;
      case 'endString':
        this.feed({ name: 'stringValue', value: this.pieces.join('') });
        return this.depth === 1 ? this.finish() : undefined;
      case 'endNumber':
        this.feed({ name: 'numberValue', value: this.pieces.join('') });
        return this.depth === 1 ? this.finish() : undefined;
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        this.feed(token);
        return this.depth === 1 ? this.finish() : undefined;
      default:
        return undefined;
    }
  }

  private begin(): void {
    if (this.assembler) return;
    this.index++;
    this.assembler = new Assembler();
    this.refused = undefined;
    this.bytes = 0;
  }

  private count(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) this.refuse(`larger than ${this.maxBytes} bytes`);
  }

  private refuse(reason: string): void {
    if (this.refused) return;
    this.refused = reason;
    this.pieces = [];
  }

  private feed(token: Token): void {
    if (!this.refused) this.assembler?.consume(token as Parameters<Assembler['consume']>[0]);
  }

  private finish(): ArrayElement {
    const index = this.index;
    const result: ArrayElement = this.refused
      ? { index, refused: this.refused }
      : { index, value: this.assembler?.current };
    this.assembler = undefined;
    this.pieces = [];
    return result;
  }
}

/**
 * Iterates what `map` makes of a stream's tokens, so that results made before an error are still
 * delivered (an async iterator over a failed stream drops what it had buffered). Pauses the stream
 * while 1,000 results wait, so a large export stays streamed. The error is rethrown bounded.
 */
async function* drain<T, R>(
  stream: NodeJS.ReadableStream,
  map: (token: T) => R | undefined,
): AsyncGenerator<R> {
  const queue: R[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const fail = (error: Error) => {
    failure ??= new Error(truncateText(error.message));
    stream.pause();
    notify();
  };
  stream.on('data', (token: T) => {
    if (failure) return;
    try {
      const result = map(token);
      if (result === undefined) return;
      queue.push(result);
      if (queue.length >= 1000) stream.pause();
      notify();
    } catch (error) {
      fail(error as Error);
    }
  });
  stream.on('error', fail);
  stream.on('end', () => {
    ended = true;
    notify();
  });
  for (;;) {
    const item = queue.shift();
    if (item !== undefined) {
      if (queue.length < 100 && stream.isPaused() && !failure) stream.resume();
      yield item;
    } else if (failure) {
      throw failure;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
}

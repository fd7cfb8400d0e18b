import type { DecodeResult } from '../core/image/decoded-image.ts';

/** Turns file bytes into pixels, or says why it cannot. Never throws for bad input. */
export interface ImageDecoder {
  decode(bytes: Uint8Array): Promise<DecodeResult>;
  /**
   * The pixels (width × height) decoding would allocate, from the header alone: 0 when the decode
   * would refuse the image before allocating (too many pixels), undefined when the header does not
   * parse. Lets a batch bound the pixels it holds before any is decoded.
   */
  pixelsOf(bytes: Uint8Array): Promise<number | undefined>;
}

import type { DecodeResult } from '../core/image/decoded-image.ts';

/** Turns file bytes into pixels, or says why it cannot. Never throws for bad input. */
export interface ImageDecoder {
  decode(bytes: Uint8Array): Promise<DecodeResult>;
}

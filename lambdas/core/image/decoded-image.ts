/**
 * An image after decoding: interleaved 8-bit samples, row-major, no padding.
 * Channels: 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGB + alpha (alpha is always last).
 */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly pixels: Uint8Array;
}

/** Facts about the file and its container, read from the header without touching pixels. */
export interface ContainerFacts {
  /** Container format as the decoder names it: jpeg, png, webp, gif, tiff, heif, … */
  readonly format: string;
  readonly bytes: number;
  /** Colour space of the stored image (srgb, b-w, cmyk, …), before conversion to 8-bit sRGB/grey. */
  readonly colorspace: string;
  readonly hasAlpha: boolean;
  readonly exif: ExifFacts;
  /** Estimated JPEG quality (1–100) from the luminance quantisation table; undefined for other formats. */
  readonly jpegQuality?: number | undefined;
}

export interface ExifFacts {
  readonly orientation?: number | undefined;
  readonly make?: string | undefined;
  readonly model?: string | undefined;
}

/** Why an input could not be profiled. Stable strings: they are persisted in profiles. */
export const UNREADABLE_REASONS = [
  'empty-file',
  'not-an-image',
  'corrupt',
  'too-many-pixels',
  'unsupported',
  'read-failed',
  /** Above the byte size the reader accepts; refused before its body was read. */
  'too-large',
] as const;
export type UnreadableReason = (typeof UNREADABLE_REASONS)[number];

export interface Unreadable {
  readonly ok: false;
  readonly reason: UnreadableReason;
  readonly detail: string;
}

export interface Decoded {
  readonly ok: true;
  readonly image: DecodedImage;
  readonly container: ContainerFacts;
}

export type DecodeResult = Decoded | Unreadable;

export const unreadable = (reason: UnreadableReason, detail: string): Unreadable => ({
  ok: false,
  reason,
  detail,
});

/**
 * The only module that imports sharp (libvips): decoding for profiling, and the few pixel
 * operations the synthetic scenario needs. Everything else works on DecodedImage.
 */
import exifReader from 'exif-reader';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { estimateJpegQuality } from '../core/features/jpeg-quality.ts';
import {
  type DecodedImage,
  type DecodeResult,
  type ExifFacts,
  unreadable,
} from '../core/image/decoded-image.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';

/** Images above this many pixels are refused before decoding (a pixel bomb would exhaust memory). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

// One libvips thread per image; parallelism comes from several images in flight (toolchain probe).
sharp.concurrency(1);

export class SharpDecoder implements ImageDecoder {
  /**
   * Headers read by pixelsOf, kept for the decode of the same bytes that follows: a header read is
   * a libvips call of its own (~0.35 ms for a 500×375 JPEG, a fifth of its decode).
   */
  private readonly headers = new WeakMap<Uint8Array, Metadata>();

  constructor(private readonly maxPixels = DEFAULT_MAX_PIXELS) {}

  async pixelsOf(bytes: Uint8Array): Promise<number | undefined> {
    if (bytes.length === 0) return undefined;
    try {
      const meta = await readHeader(bytes);
      this.headers.set(bytes, meta);
      const { width = 0, height = 0 } = meta;
      return width * height > this.maxPixels ? 0 : width * height;
    } catch {
      return undefined;
    }
  }

  async decode(bytes: Uint8Array): Promise<DecodeResult> {
    if (bytes.length === 0) return unreadable('empty-file', 'the file is empty (0 bytes)');
    let meta: Metadata;
    try {
      meta = this.headers.get(bytes) ?? (await readHeader(bytes));
      this.headers.delete(bytes);
    } catch (error) {
      return unreadable('not-an-image', describe(error));
    }
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width * height > this.maxPixels) {
      return unreadable(
        'too-many-pixels',
        `${width}x${height} is ${(width * height).toLocaleString('en-US')} pixels, above the ${this.maxPixels.toLocaleString('en-US')} limit`,
      );
    }
    try {
      const decoded = await toDecoded(sharp(bytes, { limitInputPixels: this.maxPixels }));
      const grey = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2;
      const image = grey && decoded.channels >= 3 ? squeezeGrey(decoded) : decoded;
      return {
        ok: true,
        image,
        container: {
          format: meta.format ?? 'unknown',
          bytes: bytes.length,
          colorspace: meta.space ?? 'unknown',
          hasAlpha: meta.hasAlpha ?? false,
          exif: readExif(meta),
          jpegQuality: meta.format === 'jpeg' ? estimateJpegQuality(bytes) : undefined,
        },
      };
    } catch (error) {
      // Prebuilt sharp reads HEIF containers but decodes only AV1 (AVIF); HEVC (HEIC) needs libde265.
      if (meta.format === 'heif' && meta.compression === 'hevc')
        return unreadable(
          'unsupported',
          `HEIC (HEVC-coded HEIF) cannot be decoded by this sharp build; convert to JPEG or AVIF (${describe(error)})`,
        );
      return unreadable('corrupt', describe(error));
    }
  }
}

const readHeader = (bytes: Uint8Array) => sharp(bytes, { limitInputPixels: false }).metadata();

/** Keeps one colour channel (and alpha) of a grey image that libvips expanded to sRGB. */
function squeezeGrey(image: DecodedImage): DecodedImage {
  const alpha = image.channels === 4;
  const out = new Uint8Array(image.width * image.height * (alpha ? 2 : 1));
  const n = image.width * image.height;
  for (let i = 0, p = 0, o = 0; i < n; i++, p += image.channels) {
    out[o++] = image.pixels[p] as number;
    if (alpha) out[o++] = image.pixels[p + 3] as number;
  }
  return { width: image.width, height: image.height, channels: alpha ? 2 : 1, pixels: out };
}

function readExif(meta: Metadata): ExifFacts {
  const facts: { orientation?: number; make?: string; model?: string } = {};
  if (meta.orientation !== undefined) facts.orientation = meta.orientation;
  if (!meta.exif) return facts;
  try {
    const image = exifReader(meta.exif).Image;
    const make = typeof image?.Make === 'string' ? image.Make.trim() : undefined;
    const model = typeof image?.Model === 'string' ? image.Model.trim() : undefined;
    if (make) facts.make = make;
    if (model) facts.model = model;
  } catch {
    // A malformed EXIF block loses the camera fields, not the image.
  }
  return facts;
}

function describe(error: unknown): string {
  return error instanceof Error
    ? error.message
        .trim()
        .split(/\s*\n\s*/)
        .join('; ')
    : String(error);
}

const rawInput = (image: DecodedImage) =>
  sharp(image.pixels, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });

/** Encodes raw pixels as JPEG (used by the synthetic scenario and tests). */
export async function encodeJpeg(image: DecodedImage, quality = 85): Promise<Buffer> {
  return rawInput(image).jpeg({ quality, mozjpeg: false }).toBuffer();
}

/** Encodes raw pixels as PNG. */
export async function encodePng(image: DecodedImage): Promise<Buffer> {
  return rawInput(image).png().toBuffer();
}

/**
 * Raw pixels of a pipeline. Plain raw() is the cheapest route to 8-bit samples: CMYK, 16-bit and
 * palette images come out as 8-bit sRGB (grey as 3 equal channels), animations as their first frame.
 */
async function toDecoded(pipeline: Sharp): Promise<DecodedImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: info.channels as DecodedImage['channels'],
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** Convolves every channel with a normalised kernel (blur kernels for the scenario). */
export async function convolve(
  image: DecodedImage,
  kernel: { width: number; height: number; values: number[] },
) {
  const scale = kernel.values.reduce((a, b) => a + b, 0) || 1;
  return toDecoded(rawInput(image).convolve({ ...kernel, kernel: kernel.values, scale }));
}

/** Resizes with the given libvips kernel (nearest for pixelation, lanczos3 otherwise). */
export async function resize(
  image: DecodedImage,
  width: number,
  height: number,
  kernel: 'nearest' | 'lanczos3' | 'cubic' = 'lanczos3',
) {
  return toDecoded(rawInput(image).resize(width, height, { kernel, fit: 'fill' }));
}

/**
 * A width×height RGB view cut out of a photograph (the scenario's natural-photo scenes): the crop
 * spans `span` of the photograph's width at the same aspect as the output (less if the photograph
 * is not tall enough), its top-left corner placed at (x, y) ∈ [0, 1]² of the room left.
 */
export async function cropPhoto(
  bytes: Uint8Array,
  place: { readonly x: number; readonly y: number; readonly span: number },
  width: number,
  height: number,
): Promise<DecodedImage> {
  const { width: w = 0, height: h = 0 } = await readHeader(bytes);
  const cropWidth = Math.max(
    1,
    Math.min(Math.round(w * place.span), Math.floor((h * width) / height)),
  );
  const cropHeight = Math.max(1, Math.round((cropWidth * height) / width));
  const region = {
    left: Math.floor(place.x * (w - cropWidth)),
    top: Math.floor(place.y * (h - cropHeight)),
    width: cropWidth,
    height: cropHeight,
  };
  return toDecoded(
    sharp(bytes)
      .extract(region)
      .resize(width, height, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb'),
  );
}

/** Re-encodes as JPEG at the given quality and decodes again (compression artefacts). */
export async function jpegRoundTrip(image: DecodedImage, quality: number): Promise<DecodedImage> {
  return toDecoded(sharp(await encodeJpeg(image, quality)));
}

/** A small JPEG thumbnail as a data: URI (for the report's extreme-image galleries). */
export async function thumbnailDataUri(
  bytes: Uint8Array,
  width = 96,
  height = 72,
): Promise<string | undefined> {
  try {
    const jpeg = await sharp(bytes, { limitInputPixels: DEFAULT_MAX_PIXELS })
      .rotate()
      .resize(width, height, { fit: 'cover' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined; // an undecodable image simply has no thumbnail
  }
}

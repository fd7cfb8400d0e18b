import type { ContainerFacts, DecodedImage } from '../image/decoded-image.ts';
import type { ImageFeatures } from './catalogue.ts';
import { colourPass } from './colour-pass.ts';
import { textureFeatures } from './texture-pass.ts';

/**
 * Every feature of one decoded image: one pass over the pixels for colour, one over the luma plane
 * for texture, and the container facts. Pure and deterministic.
 */
export function extractFeatures(image: DecodedImage, container: ContainerFacts): ImageFeatures {
  const { width, height } = image;
  const colour = colourPass(image);
  const texture = textureFeatures(colour.luma, width, height);
  const pixels = width * height;

  return {
    numeric: {
      ...colour.values,
      width,
      height,
      sharpness: texture.sharpness,
      noise: texture.noise,
      blockiness: texture.blockiness,
      'flat.fraction': texture.flatFraction,
      'isolated.fraction': texture.isolatedFraction,
      'repeated.fraction': texture.repeatedFraction,
      'file.bytes': container.bytes,
      'file.bytesPerPixel': container.bytes / pixels,
      'jpeg.quality': container.jpegQuality,
      aspectRatio: width / height,
      megapixels: pixels / 1e6,
      channels: image.channels,
    },
    categorical: {
      format: container.format,
      colorspace: container.colorspace,
      'exif.orientation': container.exif.orientation?.toString(),
      'exif.make': container.exif.make,
      'exif.model': container.exif.model,
    },
  };
}

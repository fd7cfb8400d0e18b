/**
 * The feature catalogue: every per-image feature Driftwatch profiles, with the words the alert
 * digest uses to describe a move. Formulas are in docs/features.md.
 *
 * Bump FEATURE_SET_VERSION when a definition changes what a feature means: profiles of different
 * versions refuse to merge, so a bump makes every deployed dataset's nights fail to pool the days
 * profiled before the upgrade with those after it. A fix that leaves the values poolable (the JPEG
 * quality estimate made exact at qualities 1–18, 99 and 100) does not bump it; local caches are
 * keyed by the profile format version too, so they are re-profiled whenever the format changes.
 */
export const FEATURE_SET_VERSION = 1;

export interface NumericFeatureSpec {
  readonly name: string;
  readonly description: string;
  /** What a rise means, in plain words ("images are brighter"). */
  readonly higher: string;
  /** What a fall means. */
  readonly lower: string;
}

const spec = (name: string, description: string, higher: string, lower: string) =>
  ({ name, description, higher, lower }) as const satisfies NumericFeatureSpec;

export const NUMERIC_FEATURES = [
  // whylogs-compatible (Pillow semantics)
  spec(
    'hue.mean',
    'Pillow HSV hue mean (0–255)',
    'the mean hue byte is higher',
    'the mean hue byte is lower',
  ),
  spec(
    'hue.stddev',
    'Pillow HSV hue population stddev',
    'hues are more varied',
    'hues are more uniform',
  ),
  spec(
    'saturation.mean',
    'Pillow HSV saturation mean (0–255)',
    'colours are more saturated',
    'colours are more washed out',
  ),
  spec(
    'saturation.stddev',
    'Pillow HSV saturation stddev',
    'saturation varies more',
    'saturation varies less',
  ),
  spec(
    'brightness.mean',
    'Pillow HSV value (max channel) mean',
    'images are brighter',
    'images are darker',
  ),
  spec(
    'brightness.stddev',
    'Pillow HSV value stddev',
    'brightness varies more',
    'brightness varies less',
  ),
  spec(
    'entropy',
    'Pillow Image.entropy() over all bands (bits)',
    'images carry more detail or noise',
    'images carry less detail',
  ),
  spec('width', 'pixel width as stored', 'images are wider', 'images are narrower'),
  spec('height', 'pixel height as stored', 'images are taller', 'images are shorter'),
  // exposure and colour
  spec('luma.mean', 'Rec.601 luma mean (0–255)', 'images are brighter', 'images are darker'),
  spec(
    'luma.contrast',
    'RMS contrast: luma population stddev',
    'contrast is higher',
    'contrast is lower: images look flat or foggy',
  ),
  spec(
    'dark.fraction',
    'fraction of pixels with luma < 5%',
    'more pixels are near black',
    'fewer pixels are near black',
  ),
  spec(
    'overexposed.fraction',
    'fraction of pixels with luma > 95%',
    'more pixels are blown out',
    'fewer pixels are blown out',
  ),
  spec(
    'clipped.fraction',
    'fraction of samples at exactly 0 or 255',
    'more samples are clipped at 0 or 255',
    'fewer samples are clipped',
  ),
  spec(
    'hue.circularMean',
    'circular mean hue of chromatic pixels (degrees)',
    'hues are rotated forward',
    'hues are rotated backward',
  ),
  spec(
    'hue.concentration',
    'mean resultant length of chromatic hues (0–1)',
    'hues converge on one colour, as with a colour cast',
    'hues are more spread',
  ),
  spec(
    'chromatic.fraction',
    'fraction of pixels with saturation ≥ 10%',
    'more pixels are coloured',
    'fewer pixels are coloured: greyscale?',
  ),
  spec('red.relative', 'mean R / (mean R + G + B)', 'images are redder', 'images are less red'),
  spec(
    'green.relative',
    'mean G / (mean R + G + B)',
    'images are greener',
    'images are less green',
  ),
  spec('blue.relative', 'mean B / (mean R + G + B)', 'images are bluer', 'images are less blue'),
  spec(
    'colourfulness',
    'Hasler–Süsstrunk colourfulness',
    'images are more colourful',
    'images are less colourful',
  ),
  // texture and faults (resolution-normalised, see docs/features.md)
  spec(
    'sharpness',
    'variance of the Laplacian of luma at analysis scale',
    'images are sharper, noisier or pixelated (hard block edges)',
    'images are blurrier',
  ),
  spec(
    'noise',
    'Immerkær noise sigma of luma at analysis scale',
    'images are noisier',
    'images are smoother',
  ),
  spec(
    'blockiness',
    'luma step across 8-pixel block edges / step elsewhere',
    'images are blockier: heavy compression or pixelation',
    'the 8-pixel JPEG grid shows less: lighter compression, resizing, or block edges off that grid (pixelation at another scale)',
  ),
  spec(
    'flat.fraction',
    'fraction of neighbour pairs with luma step ≤ 1',
    'images have more flat patches, as with pixelation or blur',
    'images have fewer flat patches',
  ),
  spec(
    'isolated.fraction',
    'fraction of pixels far brighter or darker than all 4 neighbours',
    'there are more isolated dead, stuck or impulse pixels',
    'there are fewer isolated pixels',
  ),
  spec(
    'repeated.fraction',
    'fraction of rows that repeat the row above (nearest-neighbour enlargement)',
    'rows repeat: images are pixelated or digitally enlarged',
    'fewer rows repeat',
  ),
  // file and container
  // At a fixed size and JPEG quality a file's size is its fine detail: a defocused camera is often
  // named first by its files shrinking.
  spec(
    'file.bytes',
    'file size in bytes',
    'files are larger: more fine detail or noise, or lighter compression',
    'files are smaller: less fine detail (blur, a plainer view) or heavier compression',
  ),
  spec(
    'file.bytesPerPixel',
    'file bytes / (width × height)',
    'more bytes per pixel: more fine detail or noise, or lighter compression',
    'fewer bytes per pixel: less fine detail (blur, a plainer view) or heavier compression',
  ),
  spec(
    'jpeg.quality',
    'JPEG quality estimated from the luminance quantisation table',
    'JPEG quality is higher',
    'JPEG quality is lower: heavier compression',
  ),
  spec(
    'aspectRatio',
    'width / height',
    'images are wider for their height',
    'images are taller for their width',
  ),
  spec(
    'megapixels',
    'width × height / 10^6',
    'images have more pixels',
    'images have fewer pixels',
  ),
  spec(
    'channels',
    'decoded channels including alpha',
    'images have more channels',
    'images have fewer channels: greyscale?',
  ),
] as const;

export const CATEGORICAL_FEATURES = [
  'format',
  'colorspace',
  'exif.orientation',
  'exif.make',
  'exif.model',
] as const;

export type NumericFeature = (typeof NUMERIC_FEATURES)[number]['name'];
export type CategoricalFeature = (typeof CATEGORICAL_FEATURES)[number];

export const NUMERIC_FEATURE_NAMES: readonly NumericFeature[] = NUMERIC_FEATURES.map((f) => f.name);

const specsByName = new Map<string, NumericFeatureSpec>(NUMERIC_FEATURES.map((f) => [f.name, f]));

export function numericFeatureSpec(name: string): NumericFeatureSpec | undefined {
  return specsByName.get(name);
}

/** One image's features. A numeric value is undefined when it does not apply (no chromatic pixels, not a JPEG). */
export interface ImageFeatures {
  readonly numeric: Partial<Record<NumericFeature, number>>;
  readonly categorical: Partial<Record<CategoricalFeature, string>>;
}

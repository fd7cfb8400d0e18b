import {
  CATEGORICAL_FEATURES,
  type ImageFeatures,
  NUMERIC_FEATURE_NAMES,
} from '../../lambdas/core/features/catalogue.ts';
import { SeededRandom } from '../../lambdas/core/sketches/random.ts';
import { normal } from './images.ts';

/** Plausible random feature vectors: each numeric feature from its own skewed distribution. */
export function randomFeatures(random: SeededRandom): ImageFeatures {
  const numeric: Record<string, number | undefined> = {};
  NUMERIC_FEATURE_NAMES.forEach((name, i) => {
    const z = normal(random);
    numeric[name] = i % 3 === 0 ? 100 + 20 * z : i % 3 === 1 ? Math.exp(z) : random.next();
  });
  if (random.next() < 0.1) numeric['jpeg.quality'] = undefined;
  const categorical: Record<string, string> = {};
  for (const name of CATEGORICAL_FEATURES)
    categorical[name] = `${name}-${Math.floor(random.next() * 3)}`;
  return { numeric, categorical } as ImageFeatures;
}

export function featureStream(count: number, seed: number): ImageFeatures[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => randomFeatures(random));
}

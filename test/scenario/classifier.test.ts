import { describe, expect, it } from 'vitest';
import type { ImageFeatures } from '../../lambdas/core/features/catalogue.ts';
import { SeededRandom } from '../../lambdas/core/sketches/random.ts';
import { predictCatDog, trainCatDogModel } from '../../lambdas/scenario/classifier.ts';
import { type AnimalClass, normalDeviate } from '../../lambdas/scenario/synthetic-photo.ts';

/**
 * Images reduced to two statistics: sharpness tells the animal apart (cats' striped coats, shifted
 * by ±1 with unit noise: the best possible accuracy is Φ(1) ≈ 84%), brightness is noise; a
 * width that says the animal is left out by the model's design.
 */
function examples(n: number, seed: number) {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const animal: AnimalClass = i % 2 ? 'dog' : 'cat';
    const features: ImageFeatures = {
      numeric: {
        sharpness: (animal === 'cat' ? 1 : -1) + normalDeviate(random),
        'brightness.mean': normalDeviate(random),
        width: animal === 'cat' ? 500 : 400,
      },
      categorical: {},
    };
    return { features, animal };
  });
}

describe('the demo classifier', () => {
  const model = trainCatDogModel(examples(200, 1));
  const heldOut = examples(2000, 2).map((e) => ({
    ...predictCatDog(model, e.features),
    animal: e.animal,
  }));

  it('reaches close to the best possible accuracy on examples it was not trained on', () => {
    const accuracy = heldOut.filter((o) => o.prediction === o.animal).length / heldOut.length;
    expect(accuracy).toBeGreaterThan(0.8);
    expect(accuracy).toBeLessThan(0.88);
  });

  it('ignores size facts, which say nothing about the animal in real photos', () => {
    expect(model.features).not.toContain('width');
  });

  it('gives held-out confidences about as high as its accuracy there (what ATC relies on)', () => {
    const right = heldOut.filter((o) => o.prediction === o.animal);
    const meanConfidence = heldOut.reduce((s, o) => s + o.confidence, 0) / heldOut.length;
    expect(Math.abs(meanConfidence - right.length / heldOut.length)).toBeLessThan(0.05);
    // Right answers are more confident than wrong ones: the ordering ATC's threshold needs.
    const mean = (xs: { confidence: number }[]) =>
      xs.reduce((s, o) => s + o.confidence, 0) / xs.length;
    expect(mean(right)).toBeGreaterThan(mean(heldOut.filter((o) => o.prediction !== o.animal)));
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LocalPredictionIndex,
  readModelOutputs,
} from '../../lambdas/adapters/local/local-predictions.ts';
import { withTempDir } from '../helpers/files.ts';

describe('predictions.csv model outputs', () => {
  it('reads prediction, confidence (fractions or percentages) and model version per image path', async () => {
    await withTempDir(async (dir) => {
      await writeFile(
        path.join(dir, 'predictions.csv'),
        'image,prediction,confidence,model_version\ncat.1.jpg,cat,0.91,r7\ncam07/dog.2.jpg,dog,64,r7\nx.jpg,dog,,\ny.jpg,,0.5,r7\n',
      );
      const { outputs, hash } = await readModelOutputs(dir);
      expect(outputs.get('cat.1.jpg')).toEqual({
        prediction: 'cat',
        confidence: 0.91,
        modelVersion: 'r7',
      });
      expect(outputs.get('cam07/dog.2.jpg')?.confidence).toBeCloseTo(0.64, 12);
      expect(outputs.get('x.jpg')).toEqual({
        prediction: 'dog',
        confidence: undefined,
        modelVersion: undefined,
      });
      expect(outputs.get('y.jpg')?.prediction).toBeUndefined();
      expect(hash).toMatch(/^[0-9a-f]{16}$/);

      // A changed file changes the hash that keys the profile cache.
      await writeFile(path.join(dir, 'predictions.csv'), 'image,prediction\ncat.1.jpg,dog\n');
      expect((await readModelOutputs(dir)).hash).not.toBe(hash);
    });
  });

  it('has no outputs without the file', async () => {
    await withTempDir(async (dir) => {
      expect(await readModelOutputs(dir)).toEqual({ outputs: new Map(), hash: '' });
    });
  });

  it('carries the confidence into the label join', async () => {
    await withTempDir(async (root) => {
      await mkdir(path.join(root, 'day_1'));
      await writeFile(
        path.join(root, 'day_1', 'predictions.csv'),
        'image,prediction,confidence\na.jpg,cat,0.8\n',
      );
      const index = await LocalPredictionIndex.load(root, [{ day: 'day_1', images: 1 }]);
      const [found] = await index.lookup('d', [{ key: 'day_1/a.jpg', fileName: 'a.jpg' }]);
      expect(found).toEqual({
        status: 'matched',
        record: { key: 'day_1/a.jpg', day: 'day_1', prediction: 'cat', confidence: 0.8 },
      });
    });
  });
});

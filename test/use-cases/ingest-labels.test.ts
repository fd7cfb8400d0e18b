import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLabelStore } from '../../lambdas/adapters/local/file-label-store.ts';
import { FileNightStore } from '../../lambdas/adapters/local/file-night-store.ts';
import { LocalPredictionIndex } from '../../lambdas/adapters/local/local-predictions.ts';
import type { Digest } from '../../lambdas/core/drift/digest.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { performanceMetrics } from '../../lambdas/core/performance/metrics.ts';
import {
  type IngestLabelsDeps,
  ingestLabels,
  STORED_CLASSES,
} from '../../lambdas/use-cases/ingest-labels.ts';
import { withTempDir } from '../helpers/files.ts';

const DATASET = 'pets';
// day_1 predictions: two right (cat.1, dog.1), two wrong (cat.2 → dog, dog.2 → cat)
const PREDICTIONS: [string, string][] = [
  ['day_1/cat.1.jpg', 'cat'],
  ['day_1/cat.2.jpg', 'dog'],
  ['day_1/dog.1.jpg', 'dog'],
  ['day_1/dog.2.jpg', 'cat'],
];
const EXPECTED = { cat: { cat: 1, dog: 1 }, dog: { cat: 1, dog: 1 } };
const TRUTH: [string, string][] = [
  ['cat.1.jpg', 'cat'],
  ['cat.2.jpg', 'cat'],
  ['dog.1.jpg', 'dog'],
  ['dog.2.jpg', 'dog'],
];
const wrong = (label: string) => (label === 'cat' ? 'dog' : 'cat');

function index(extra: [string, string][] = []) {
  const predictions = new LocalPredictionIndex();
  for (const [key, prediction] of [...PREDICTIONS, ...extra])
    predictions.add({ key, day: key.split('/')[0] as string, prediction });
  return predictions;
}

function depsFor(dir: string, predictions = index(), sent: Digest[] = []): IngestLabelsDeps {
  return {
    predictions,
    labels: new FileLabelStore(dir),
    nights: new FileNightStore(dir),
    notifier: { publish: async (d) => void sent.push(d) },
    config: DEFAULT_MONITOR_CONFIG,
    now: () => new Date('2026-11-28T00:00:00Z'),
  };
}

async function ingest(dir: string, name: string, body: string, predictions = index()) {
  const sent: Digest[] = [];
  const summary = await ingestLabels(
    { dataset: DATASET, name, open: () => [body] },
    depsFor(dir, predictions, sent),
  );
  return { summary, sent, store: new FileLabelStore(dir) };
}

// The same four answers in every supported format (three annotators where the format has them;
// one of them wrong on every item, so the consensus must outvote it).
const FILES: Record<string, [string, string]> = {
  csv: [
    'votes.csv',
    [
      'image,label,annotator',
      ...TRUTH.flatMap(([f, l]) => [`${f},${l},ann1`, `${f},${l},ann2`, `${f},${wrong(l)},ann3`]),
    ].join('\r\n'),
  ],
  jsonl: [
    'votes.jsonl',
    TRUTH.flatMap(([f, l]) =>
      ['a', 'b', 'c'].map((w, i) =>
        JSON.stringify({ image: `day_1/${f}`, label: i === 2 ? wrong(l) : l, annotator: w }),
      ),
    ).join('\n'),
  ],
  'toloka-results': [
    'assignments.tsv',
    [
      'INPUT:image\tOUTPUT:result\tGOLDEN:result\tASSIGNMENT:worker_id\tASSIGNMENT:status',
      ...TRUTH.flatMap(([f, l]) => [
        `https://cdn.example.com/day_1/${f}\t${l}\t\tw1\tAPPROVED`,
        `https://cdn.example.com/day_1/${f}\t${l}\t\tw2\tSUBMITTED`,
        `https://cdn.example.com/day_1/${f}\t${wrong(l)}\t\tw3\tREJECTED`,
      ]),
      'https://cdn.example.com/control.jpg\tcat\tcat\tw1\tAPPROVED',
    ].join('\n'),
  ],
  'toloka-aggregated': [
    'aggregated.tsv',
    [
      'INPUT:image\tOUTPUT:result\tCONFIDENCE:result',
      ...TRUTH.map(([f, l]) => `day_1/${f}\t${l}\t97.5`),
    ].join('\n'),
  ],
  'label-studio': [
    'export.json',
    JSON.stringify(
      TRUTH.map(([f, l], id) => ({
        id,
        data: { image: `s3://bucket/day_1/${f}` },
        annotations: [1, 2, 3].map((user) => ({
          completed_by: user,
          was_cancelled: false,
          result: [{ type: 'choices', value: { choices: [user === 3 ? wrong(l) : l] } }],
        })),
      })),
    ),
  ],
  'ground-truth-manifest': [
    'output.manifest',
    TRUTH.map(([f, l]) =>
      JSON.stringify({
        'source-ref': `s3://bucket/day_1/${f}`,
        pets: l === 'cat' ? 0 : 1,
        'pets-metadata': { 'class-name': l, confidence: 0.9 },
      }),
    ).join('\n'),
  ],
  'model-monitor': [
    'ground-truth.jsonl',
    TRUTH.map(([f, l]) =>
      JSON.stringify({
        groundTruthData: { data: l, encoding: 'CSV' },
        eventMetadata: { eventId: `day_1/${f}` },
        eventVersion: '0',
      }),
    ).join('\n'),
  ],
};

describe('ingestLabels', () => {
  it.each(Object.entries(FILES))(
    'turns a %s file into the hand-computed confusion matrix',
    async (format, [name, body]) => {
      await withTempDir(async (dir) => {
        const { summary, store } = await ingest(dir, name, body);
        expect(summary.format).toBe(format);
        expect(summary.labelled).toBe(4);
        expect(summary.issues).toBe(0);
        const record = await store.loadPerformance(DATASET, 'day_1');
        expect(record?.confusion).toEqual(EXPECTED);
        expect(record?.metrics.accuracy).toBe(0.5);
        if (format === 'toloka-results')
          expect(summary.dropped).toEqual({ 'rejected assignment': 4 });
      });
    },
  );

  it('reports malformed rows with their line numbers and keeps the valid ones', async () => {
    await withTempDir(async (dir) => {
      const body = [
        'image,label',
        'day_1/cat.1.jpg,cat',
        ',dog',
        'day_1/dog.1.jpg,',
        '"day_1/cat.2.jpg",cat',
      ].join('\n');
      const { summary } = await ingest(dir, 'messy.csv', body);
      expect(summary.labelled).toBe(2);
      expect(summary.issueExamples).toEqual([
        { line: 3, message: 'no image' },
        { line: 4, message: 'no label for day_1/dog.1.jpg' },
      ]);
    });
  });

  it('loses only the deeply nested line of a JSON-lines file and labels the rest', async () => {
    await withTempDir(async (dir) => {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const body = [
        '{"image":"day_1/cat.1.jpg","label":"cat"}',
        `{"image":${deep},"label":"cat"}`,
        '{"image":"day_1/dog.1.jpg","label":"dog"}',
      ].join('\n');
      const { summary } = await ingest(dir, 'hostile.jsonl', body);
      expect(summary.labelled).toBe(2);
      expect(summary.issueExamples).toEqual([{ line: 2, message: 'nested deeper than 64 levels' }]);
    });
  });

  it('counts labels for unknown and ambiguous images instead of failing or guessing', async () => {
    await withTempDir(async (dir) => {
      const body = ['image,label', 'nowhere.jpg,cat', 'twin.jpg,cat', 'day_1/cat.1.jpg,cat'].join(
        '\n',
      );
      const predictions = index([
        ['day_1/twin.jpg', 'cat'],
        ['day_2/twin.jpg', 'dog'],
      ]);
      const { summary } = await ingest(dir, 'partial.csv', body, predictions);
      expect(summary).toMatchObject({ labelled: 1, unmatched: 1, ambiguous: 1 });
    });
  });

  it('takes the later row of an image without an annotator as its label, even a batch apart', async () => {
    await withTempDir(async (dir) => {
      const filler = Array.from({ length: 1_100 }, (_, i) => `elsewhere/${i}.jpg,cat`);
      const body = [
        'image,label',
        'day_1/cat.1.jpg,dog',
        ...filler,
        ...TRUTH.map(([f, l]) => `day_1/${f},${l}`),
      ].join('\n');
      const { summary, store } = await ingest(dir, 'corrected.csv', body);
      expect(summary).toMatchObject({ method: 'final-labels', unmatched: 1_100, labelled: 4 });
      expect((await store.loadPerformance(DATASET, 'day_1'))?.confusion).toEqual(EXPECTED);
    });
  });

  it('refuses a crowd file whose second read differs from the first', async () => {
    await withTempDir(async (dir) => {
      const [, body] = FILES.csv as [string, string];
      let reads = 0;
      const open = () => [reads++ === 0 ? body : `${body}\r\nday_1/cat.9.jpg,cat,w9`];
      await expect(
        ingestLabels({ dataset: DATASET, name: 'growing.csv', open }, depsFor(dir)),
      ).rejects.toThrow(/growing\.csv changed while it was read \(12 rows, then 13\)/);
    });
  });

  it('changes nothing and sends nothing new when the same file is ingested twice', async () => {
    await withTempDir(async (dir) => {
      // Day 1 right, day 2 all wrong: a performance alert on day 2.
      const extra: [string, string][] = Array.from({ length: 40 }, (_, i) => [
        `day_2/cat.${10 + i}.jpg`,
        'dog',
      ]);
      const early: [string, string][] = Array.from({ length: 40 }, (_, i) => [
        `day_1/cat.${100 + i}.jpg`,
        'cat',
      ]);
      const predictions = index([...extra, ...early]);
      const body = ['image,label', ...[...extra, ...early].map(([key]) => `${key},cat`)].join('\n');
      const first = await ingest(dir, 'batch.csv', body, predictions);
      const second = await ingest(dir, 'batch.csv', body, predictions);
      expect(first.sent).toHaveLength(1);
      expect(first.sent[0]?.subject).toBe('[Driftwatch] pets: model performance fell on day_2');
      expect(first.sent[0]?.text.split('\n')[0]).toBe(
        'Model accuracy of dataset "pets" fell on day_2 (the day the predictions were made), judged on the labels in batch.csv.',
      );
      expect(first.sent[0]?.text).toMatch(
        /\nWhat to do: open the day's report and its drift digest/,
      );
      expect(first.summary.alerts.map((a) => a.summary)).toEqual([
        expect.stringMatching(
          /^day_2: accuracy fell to 0% \(95% CI 0%–9%, 40 labelled\) from 100% on the 1 earlier labelled day$/,
        ),
      ]);
      expect(second.sent).toHaveLength(0);
      const a = await first.store.loadPerformance(DATASET, 'day_2');
      const b = await second.store.loadPerformance(DATASET, 'day_2');
      expect(b?.confusion).toEqual(a?.confusion);
      let stored = 0;
      for await (const _ of second.store.labelsForDay(DATASET, 'day_2')) stored++;
      expect(stored).toBe(40);
    });
  });

  it('sends the alert on the retry when publishing failed, and only once', async () => {
    await withTempDir(async (dir) => {
      const wrongDay: [string, string][] = Array.from({ length: 40 }, (_, i) => [
        `day_2/cat.${i}.jpg`,
        'dog',
      ]);
      const rightDay: [string, string][] = Array.from({ length: 40 }, (_, i) => [
        `day_1/cat.${i}.jpg`,
        'cat',
      ]);
      const predictions = index([...wrongDay, ...rightDay]);
      const body = ['image,label', ...[...wrongDay, ...rightDay].map(([key]) => `${key},cat`)].join(
        '\n',
      );
      const sent: Digest[] = [];
      let attempts = 0;
      const deps = {
        ...depsFor(dir, predictions),
        notifier: {
          publish: async (d: Digest) => {
            if (attempts++ === 0) throw new Error('SNS is unavailable');
            sent.push(d);
          },
        },
      };
      const file = { dataset: DATASET, name: 'batch.csv', open: () => [body] };
      await expect(ingestLabels(file, deps)).rejects.toThrow('SNS is unavailable');
      await ingestLabels(file, deps);
      await ingestLabels(file, deps);
      expect(sent.map((d) => d.subject)).toEqual([
        '[Driftwatch] pets: model performance fell on day_2',
      ]);
    });
  });
});

describe('ingestLabels with many classes', () => {
  it('stores a folded matrix above STORED_CLASSES classes, with the metrics of the full one', async () => {
    await withTempDir(async (dir) => {
      const classes = 150;
      // Image i: labelled class-i, predicted class-i when i is even, else class-(i+1).
      const extra: [string, string][] = Array.from({ length: classes }, (_, i) => [
        `day_1/img_${i}.jpg`,
        `class-${i % 2 ? (i + 1) % classes : i}`,
      ]);
      const body = [
        'image,label',
        ...Array.from({ length: classes }, (_, i) => `img_${i}.jpg,class-${i}`),
      ].join('\n');
      const { summary, store } = await ingest(dir, 'many.csv', body, index(extra));
      expect(summary.labelled).toBe(classes);
      const record = await store.loadPerformance(DATASET, 'day_1');
      expect(record?.classes).toBe(classes);
      expect(record?.metrics.accuracy).toBeCloseTo(0.5, 12);
      const stored = record?.confusion ?? {};
      const labels = new Set(
        Object.entries(stored).flatMap(([t, row]) => [t, ...Object.keys(row)]),
      );
      expect(labels.size).toBeLessThanOrEqual(STORED_CLASSES + 2);
      expect(performanceMetrics(stored, { resamples: 0 }).accuracy).toBeCloseTo(0.5, 12);
      expect(record?.metrics.perClass.length).toBeLessThanOrEqual(STORED_CLASSES + 2);
    });
  });
});

describe('ingestLabels with labels of reference images', () => {
  const N = 40;
  /** day_1: N images the model got right; reference: N it got wrong, each with a confidence. */
  function withReference() {
    const predictions = new LocalPredictionIndex();
    for (let i = 0; i < N; i++) {
      predictions.add({ key: `day_1/d${i}.jpg`, day: 'day_1', prediction: 'cat', confidence: 0.9 });
      predictions.add({
        key: `reference/r${i}.jpg`,
        day: 'reference',
        prediction: 'dog',
        confidence: 0.6,
      });
    }
    return predictions;
  }
  const labelsOf = (prefix: string) =>
    ['image,label', ...Array.from({ length: N }, (_, i) => `${prefix}${i}.jpg,cat`)].join('\n');

  it('keeps them for calibration only: no performance day, no alert, no manifest', async () => {
    await withTempDir(async (dir) => {
      const predictions = withReference();
      await ingest(dir, 'day-1.csv', labelsOf('day_1/d'), predictions);
      // Reference accuracy 0% after a 100% day: judged as a day, this would be an alert.
      const { summary, sent, store } = await ingest(
        dir,
        'validation-labels.csv',
        labelsOf('reference/r'),
        predictions,
      );
      expect(summary.labelled).toBe(N);
      expect(summary.days).toEqual([]);
      expect(summary.alerts).toEqual([]);
      expect(sent).toEqual([]);
      expect(summary.reference).toMatchObject({ day: 'reference', metrics: { labelled: N } });
      const record = await store.loadPerformance(DATASET, 'reference');
      expect(record?.calibration?.cells).toEqual([[600, N, 0]]);
      expect(record?.alerted).toBeUndefined();
      await expect(
        readFile(path.join(dir, 'manifests', DATASET, 'reference.jsonl')),
      ).rejects.toThrow();
    });
  });

  it('judges the days of a file that also names reference images, and only them', async () => {
    await withTempDir(async (dir) => {
      const predictions = withReference();
      const body = [
        'image,label',
        ...Array.from({ length: N }, (_, i) => `reference/r${i}.jpg,cat`),
        ...Array.from({ length: N }, (_, i) => `day_1/d${i}.jpg,cat`),
      ].join('\n');
      const { summary, sent } = await ingest(dir, 'mixed.csv', body, predictions);
      expect(summary.days.map((d) => d.day)).toEqual(['day_1']);
      expect(summary.reference?.metrics.accuracy).toBe(0);
      expect(summary.alerts).toEqual([]);
      expect(sent).toEqual([]);
    });
  });
});

import type { LabelFormat } from './label-row.ts';

/**
 * Guesses a label file's format from its first bytes (and its name as a tie-breaker):
 * a JSON array is a Label Studio export; JSON lines are SageMaker Ground Truth (`source-ref`),
 * Model Monitor ground truth (`groundTruthData`) or generic; delimited text is Toloka (with
 * `INPUT:` columns; `CONFIDENCE:` means aggregated) or generic CSV/TSV.
 */
export function detectLabelFormat(head: string, fileName = ''): LabelFormat {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[')) return 'label-studio';
  if (text.startsWith('{')) {
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    if (firstLine.includes('"source-ref"')) return 'ground-truth-manifest';
    if (firstLine.includes('"groundTruthData"')) return 'model-monitor';
    return 'jsonl';
  }
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  if (header.includes('INPUT:'))
    return header.includes('CONFIDENCE:') ? 'toloka-aggregated' : 'toloka-results';
  if (/\.manifest$/i.test(fileName)) return 'ground-truth-manifest';
  return 'csv';
}

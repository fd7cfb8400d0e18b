import { plainText } from '../drift/digest.ts';

/** Prediction days named in a performance alert's opening sentence; the rest are counted. */
const MAX_NAMED_DAYS = 5;

/**
 * The opening sentence of a performance alert: which metric fell, in which dataset, on which
 * prediction days, judged on which label file, e.g.
 * `Model accuracy of dataset "pets" fell on 2026-11-27 (the day the predictions were made), judged on the labels in labels/pets/batch-3.csv.`
 * Statistics are the performance monitors' (`accuracy`, `accuracy-drop`, `macro F1`, …).
 */
export function performanceHeadline(
  dataset: string,
  source: string,
  alerts: readonly { readonly day: string; readonly statistic: string }[],
): string {
  const metrics = [...new Set(alerts.map((a) => a.statistic.replace(/-drop$/, '')))];
  const dropped = alerts.some((a) => a.statistic.endsWith('-drop'));
  const days = [...new Set(alerts.map((a) => plainText(a.day, 30)))].sort();
  const named = days.slice(0, MAX_NAMED_DAYS);
  const more = days.length - named.length;
  const when =
    days.length === 1
      ? `${named[0]} (the day the predictions were made)`
      : `${days.length} prediction days (${named.join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
  return `Model ${metrics.join(' and ')} of dataset "${plainText(dataset, 60)}" ${dropped ? 'fell' : 'fell below its floor'} on ${when}, judged on the labels in ${plainText(source, 120)}.`;
}

/** What to do about a performance alert (the drift digest's advice is about cameras and pipelines). */
export const PERFORMANCE_ADVICE =
  "What to do: open the day's report and its drift digest (a camera or pipeline change usually shows there first), check the labels of the misclassified images, and retrain with the day's retraining manifest (manifests/<dataset>/<day>.jsonl).";

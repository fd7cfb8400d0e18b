import { truncateText } from '../util/bounded-text.ts';
import { jsonArrayElements } from './json-array-elements.ts';
import { checkedRow, labelText } from './label-fields.ts';
import { MAX_RECORD_BYTES } from './label-limits.ts';
import type { ParsedLabel } from './label-row.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);

/**
 * Label Studio JSON export: one array of tasks, each with an `annotations` (old: `completions`)
 * list. Tasks stream one at a time; a task nested too deeply, too large or of the wrong shape is
 * reported by its number (1-based, as `line`) and skipped, and the tasks after it are read.
 */
export async function* parseLabelStudio(
  chunks: Parameters<typeof jsonArrayElements>[0],
): AsyncGenerator<ParsedLabel> {
  let tasks = 0;
  try {
    for await (const element of jsonArrayElements(chunks, { maxBytes: MAX_RECORD_BYTES })) {
      tasks = element.index + 1;
      if ('refused' in element) {
        yield issue(tasks, `task ${element.refused}; skipped`);
        continue;
      }
      try {
        yield* taskRows(element.value, tasks);
      } catch (error) {
        // Anything a task's shape can still throw stays with that task.
        yield issue(tasks, `task could not be read: ${truncateText((error as Error).message)}`);
      }
    }
  } catch (error) {
    yield issue(
      tasks + 1,
      `the JSON array is malformed after task ${tasks}: ${truncateText((error as Error).message)}`,
    );
  }
}

const issue = (line: number, message: string): ParsedLabel => ({
  kind: 'issue',
  issue: { line, message },
});

function* taskRows(task: unknown, line: number): Generator<ParsedLabel> {
  if (!isObject(task)) {
    yield issue(line, 'task is not a JSON object');
    return;
  }
  const data = isObject(task.data) ? task.data : {};
  const item = labelText(data.image ?? Object.values(data).find((v) => typeof v === 'string'));
  const given = task.annotations ?? task.completions ?? [];
  const all = list(given);
  if (!all) {
    yield issue(line, 'annotations is not a list');
    return;
  }
  const annotations = all.filter(isObject).filter((a) => !a.was_cancelled);
  if (annotations.length === 0) {
    yield { kind: 'dropped', reason: 'task without (non-cancelled) annotations' };
    return;
  }
  const gold = annotations.find((a) => Boolean(a.ground_truth));
  const goldLabel = gold ? choice(gold) || undefined : undefined;
  for (const a of annotations) {
    if (a === gold) continue;
    const by = isObject(a.completed_by)
      ? (a.completed_by.id ?? a.completed_by.email)
      : a.completed_by;
    yield checkedRow({
      item,
      label: choice(a),
      annotator: labelText(by ?? a.id) || undefined,
      goldLabel,
      line,
    });
  }
  if (gold && annotations.length === 1)
    yield checkedRow({ item, label: goldLabel ?? '', annotator: 'ground-truth', line });
}

/** The first `choices` (or the leaf of the first `taxonomy` path) of an annotation's results. */
function choice(annotation: Json): string {
  for (const r of list(annotation.result) ?? []) {
    const value = isObject(r) && isObject(r.value) ? r.value : undefined;
    const choices = list(value?.choices);
    if (choices?.length) return labelText(choices[0]);
    const path = list(list(value?.taxonomy)?.[0]);
    if (path?.length) return labelText(path.at(-1));
  }
  return '';
}

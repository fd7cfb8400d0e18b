/**
 * Limits on what one record of a label file may hold (docs/labels.md#limits). A record past a
 * limit is reported by its line (or task) number and skipped; the rest of the file is used.
 */

/** Bytes of one CSV/TSV line, JSON line or Label Studio task; a labelling row needs a few hundred. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Characters of an image name (an S3 key is at most 1,024 bytes; a URL adds a few dozen). */
export const MAX_ITEM_CHARS = 2048;
/** Characters of a label, an annotator or a gold label: class names, not documents. */
export const MAX_LABEL_CHARS = 256;
export { MAX_JSON_DEPTH } from '../util/bounded-json.ts';

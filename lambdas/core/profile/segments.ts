/**
 * Segments: the camera, site, device or store an image came from (WhyLabs calls them segments).
 * A segment's profiles are stored beside the dataset's under the scope id `<dataset>/<segment>`:
 * dataset names never hold "/" (they are one S3 key part), so every store keyed by dataset keeps
 * working unchanged for segments — partials, rollups, day profiles and the reference alike.
 */

/** Segments beyond this many in one dataset-day are folded into OTHER_SEGMENT (docs/monitors.md). */
export const DEFAULT_MAX_SEGMENTS = 200;
export const OTHER_SEGMENT = 'other';
const MAX_SEGMENT_LENGTH = 64;
const SEPARATOR = '/';

/** The storage scope of a segment: `<dataset>/<segment>`. */
export const segmentScope = (dataset: string, segment: string) =>
  `${dataset}${SEPARATOR}${segment}`;

/**
 * A user-supplied segment name made safe to use in keys, paths and e-mails: trimmed, characters
 * other than letters, digits, ".", "_" and "-" replaced by "_", at most 64 characters. Undefined
 * when nothing is left, so a blank metadata value means "no segment", never a segment named "".
 */
export function segmentName(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  const safe = trimmed.replace(/[^\w.-]/g, '_').slice(0, MAX_SEGMENT_LENGTH);
  return /^[._-]*$/.test(safe) ? undefined : safe;
}

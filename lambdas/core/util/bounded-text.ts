/** Characters of user text (a header, a cell, a parser's message) quoted in an error or a log line. */
export const MAX_QUOTED_CHARS = 120;

/**
 * The first `max` characters of user text, then a marker saying how much was cut, so a 100 MB header
 * line or cell never reaches stderr, a log line or a summary whole.
 */
export function truncateText(value: string, max = MAX_QUOTED_CHARS): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}… [${value.length - max} more characters]`;
}

import { truncateText } from './bounded-text.ts';

/**
 * Deepest nesting accepted in user JSON (label lines, Label Studio tasks, configs). Every format we
 * read needs fewer than 10 levels; V8's JSON.parse accepts a million, but turning such a value into
 * text (String(), JSON.stringify) overflows the call stack ("Maximum call stack size exceeded").
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of JSON text, scanning at most until it passes `stopAbove` (strings, and the
 * brackets inside them, are skipped). Text that is not JSON still gets a number; JSON.parse judges it.
 */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export type BoundedJson =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly reason: string;
      /** The parser's own message, cut short (it can quote the input). */
      readonly detail?: string;
    };

/**
 * JSON.parse with the input's size and nesting bounded first, so one hostile value is refused with
 * a reason (never a stack overflow later) and the parser's own message is never quoted unbounded.
 */
export function parseBoundedJson(
  text: string,
  limits: { readonly maxDepth?: number; readonly maxChars?: number } = {},
): BoundedJson {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  if (limits.maxChars !== undefined && text.length > limits.maxChars)
    return { ok: false, reason: `longer than ${limits.maxChars} characters` };
  // Nesting deeper than maxDepth takes at least 2·maxDepth + 2 brackets: shorter text is not scanned.
  if (text.length > 2 * maxDepth + 1 && jsonDepth(text, maxDepth) > maxDepth)
    return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: 'not valid JSON', detail: truncateText((error as Error).message) };
  }
}

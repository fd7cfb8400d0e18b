import {
  escapeForTerminal,
  escapeLinesForTerminal,
  terminalSafeJson,
} from '../core/util/terminal-text.ts';

/**
 * Every line the CLI prints goes through here: control, bidi and zero-width characters in it are
 * shown as escapes, so a file name or label can never drive the terminal. Line breaks are kept;
 * quote user text with `shown` so that a newline inside a name cannot forge a line either.
 */
export function print(text = ''): void {
  console.log(escapeLinesForTerminal(text));
}

/** As print, on stderr (progress notes, warnings and errors). */
export function warn(text: string): void {
  console.error(escapeLinesForTerminal(text));
}

/** One JSON document on stdout (same value once parsed; no raw terminal controls in it). */
export function printJson(value: unknown, indent?: number): void {
  console.log(terminalSafeJson(value, indent));
}

/** User-supplied text for the middle of a line: every unsafe character escaped, newlines too. */
export const shown = escapeForTerminal;

/**
 * Characters a terminal acts on or that change how the text around them shows: C0 controls and DEL
 * (ESC starts every escape sequence), C1 controls (U+009B is a one-character CSI on some
 * terminals), format characters (Unicode Cf: bidi embeddings, overrides and isolates, zero-width
 * characters, the BOM), line and paragraph separators, and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const UNSAFE_EXCEPT_NEWLINE = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A visible escape for one unsafe character: \n, \x1b, \u202e. */
function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0) as number;
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * User-supplied text (a file name, a label, a dataset) made safe to print on one terminal line:
 * every unsafe character, newlines included, is shown as its escape, so a name is seen as it is
 * ("evil\x1b[2J.jpg") and can neither drive the terminal nor forge a line.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** As escapeForTerminal, but keeps line breaks: for whole (possibly multi-line) output. */
export function escapeLinesForTerminal(text: string): string {
  return text.replace(UNSAFE_EXCEPT_NEWLINE, visible);
}

/**
 * JSON whose strings carry no character a terminal acts on: JSON.stringify escapes C0 controls and
 * lone surrogates but leaves C1 controls, DEL, format characters and U+2028/U+2029 raw; they are
 * written as \u escapes here, so the document parses to the same value.
 */
export function terminalSafeJson(value: unknown, indent?: number): string {
  // Raw newlines are the indentation's: JSON.stringify has escaped every one inside a string.
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_EXCEPT_NEWLINE,
    (char) => `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Text for the report's HTML: markup characters as entities, and invisible format characters
 * (Unicode Cf: bidi overrides and isolates, zero-width characters, the BOM) shown as `<U+202E>`
 * so a file or class name cannot display as something it is not (`x\u202Egpj.exe` as "xexe.jpg");
 * the report is where people go to find the file, so the name stays recognisable rather than
 * silently changed. Control characters are shown the same way; lone surrogates become U+FFFD.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[\p{Cf}\p{Cc}\u2028\u2029]/gu, (c) => `<U+${codePoint(c)}>`)
    .replace(/\p{Cs}/gu, '\uFFFD')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const codePoint = (c: string) =>
  (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');

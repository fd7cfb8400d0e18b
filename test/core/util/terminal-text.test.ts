import { describe, expect, it } from 'vitest';
import {
  escapeForTerminal,
  escapeLinesForTerminal,
  terminalSafeJson,
} from '../../../lambdas/core/util/terminal-text.ts';

/** Anything a terminal could act on, or that reorders or hides text. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

describe('terminal text', () => {
  it('shows ESC sequences, C0 and C1 controls and DEL as visible escapes', () => {
    expect(escapeForTerminal('evil\x1b]0;pwned\x07\x1b[2J.jpg')).toBe(
      'evil\\x1b]0;pwned\\x07\\x1b[2J.jpg',
    );
    expect(escapeForTerminal('a\u009b31mb\u007fc\u0000')).toBe('a\\x9b31mb\\x7fc\\x00');
    expect(escapeForTerminal('one\ntwo\r\tthree')).toBe('one\\ntwo\\r\\tthree');
  });

  it('shows bidi overrides and isolates, zero-width characters, the BOM and line separators', () => {
    expect(escapeForTerminal('invoice\u202egpj.exe')).toBe('invoice\\u202egpj.exe');
    expect(escapeForTerminal('\u2066a\u2069\u200bb\u200d\ufeffc\u2028d\u2029')).toBe(
      '\\u2066a\\u2069\\u200bb\\u200d\\ufeffc\\u2028d\\u2029',
    );
    expect(escapeForTerminal('lone \ud800 surrogate')).toBe('lone \\ud800 surrogate');
  });

  it('leaves ordinary text, accents, CJK and emoji as they are', () => {
    const text = 'café 日本 caméra-07 🐱 ±3.5%';
    expect(escapeForTerminal(text)).toBe(text);
  });

  it('keeps line breaks in whole output but escapes everything else', () => {
    expect(escapeLinesForTerminal('a\x1b[31m\nb\u202e')).toBe('a\\x1b[31m\nb\\u202e');
  });

  it('writes JSON that parses to the same value and holds no raw unsafe character', () => {
    const value = { file: 'evil\x1b[2J\u009b\u202e\u2028.jpg', n: 1 };
    const json = terminalSafeJson(value);
    expect(UNSAFE.test(json)).toBe(false);
    expect(JSON.parse(json)).toEqual(value);
    const indented = terminalSafeJson({ ...value, lines: 'a\nb' }, 2);
    expect(JSON.parse(indented)).toEqual({ ...value, lines: 'a\nb' });
    expect(indented.split('\n')).toHaveLength(5);
  });
});

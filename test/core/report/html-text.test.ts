import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../lambdas/core/report/html-text.ts';

describe('escapeHtml', () => {
  it('escapes markup', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&#60;img src=x onerror=&#34;a(&#39;b&#39;)&#34;&#62;&#38;',
    );
  });

  it('shows bidi overrides, isolates and zero-width characters instead of obeying them', () => {
    expect(escapeHtml('invoice\u202Egpj.exe')).toBe('invoice&#60;U+202E&#62;gpj.exe');
    expect(escapeHtml('a\u2066b\u200Bc\uFEFFd')).toBe(
      'a&#60;U+2066&#62;b&#60;U+200B&#62;c&#60;U+FEFF&#62;d',
    );
    expect(escapeHtml('cat\u{E0041}')).toBe('cat&#60;U+E0041&#62;');
  });

  it('shows control characters and replaces lone surrogates', () => {
    expect(escapeHtml('a\u001b[31mb')).toBe('a&#60;U+001B&#62;[31mb');
    expect(escapeHtml('x\uD800y')).toBe('x\uFFFDy');
  });

  it('leaves ordinary unicode text alone', () => {
    expect(escapeHtml('chat été 🐱 日本')).toBe('chat été 🐱 日本');
  });
});

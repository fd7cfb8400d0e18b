import { describe, expect, it } from 'vitest';
import { jsonDepth, parseBoundedJson } from '../../../lambdas/core/util/bounded-json.ts';
import { truncateText } from '../../../lambdas/core/util/bounded-text.ts';

describe('bounded JSON', () => {
  it('measures nesting outside strings only', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[{{{"}],"c":"\\"["}')).toBe(3);
    expect(jsonDepth('"[[["')).toBe(0);
  });

  it('refuses deep nesting before parsing, with the limit in the reason', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(parseBoundedJson(deep)).toEqual({ ok: false, reason: 'nested deeper than 64 levels' });
    expect(parseBoundedJson(`{"a":${'['.repeat(64)}${']'.repeat(64)}}`).ok).toBe(false);
    expect(parseBoundedJson(`${'['.repeat(64)}${']'.repeat(64)}`).ok).toBe(true);
  });

  it('gives the parser’s message cut short, never the whole input', () => {
    const result = parseBoundedJson(`"${'x'.repeat(10_000)}`);
    expect(result.ok).toBe(false);
    expect(!result.ok && (result.detail?.length ?? 0)).toBeLessThan(200);
  });

  it('truncates text with a marker saying how much was cut', () => {
    expect(truncateText('abcdef', 3)).toBe('abc… [3 more characters]');
    expect(truncateText('abc', 3)).toBe('abc');
  });
});

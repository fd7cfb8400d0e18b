import { describe, expect, it } from 'vitest';
import {
  KeyPrefixError,
  MAX_KEY_PREFIX_LENGTH,
  parseKeyPrefix,
  underPrefix,
} from '../../../lambdas/core/util/key-prefix.ts';

describe('key prefix', () => {
  it('accepts none, or path segments each ending in a slash', () => {
    for (const prefix of ['', 'vision/', 'team/cv/driftwatch/', 'a b/ü/'])
      expect(parseKeyPrefix(prefix)).toBe(prefix);
  });

  it('refuses a leading slash, a missing trailing slash, empty or dot segments, control characters and overlong prefixes', () => {
    for (const prefix of [
      '/vision/',
      'vision',
      'a//b/',
      './',
      'a/../',
      'a\u001b[31m/',
      `${'x'.repeat(MAX_KEY_PREFIX_LENGTH)}/`,
    ])
      expect(() => parseKeyPrefix(prefix), JSON.stringify(prefix)).toThrow(KeyPrefixError);
  });

  it('gives the key relative to the prefix, or undefined outside it', () => {
    expect(underPrefix('team/images/pets/a.jpg', 'team/')).toBe('images/pets/a.jpg');
    expect(underPrefix('images/pets/a.jpg', '')).toBe('images/pets/a.jpg');
    expect(underPrefix('other/images/pets/a.jpg', 'team/')).toBeUndefined();
  });
});

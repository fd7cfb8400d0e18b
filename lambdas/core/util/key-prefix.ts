/**
 * Driftwatch's areas (images/, reference/, labels/, manifests/, reports/) may live under a prefix
 * of a bucket shared with other data, e.g. `vision/driftwatch/`. The prefix is empty, or one or
 * more non-empty path segments each ending in `/`.
 */
export const MAX_KEY_PREFIX_LENGTH = 256;

export class KeyPrefixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyPrefixError';
  }
}

/** The prefix, checked: '' or `a/`, `a/b/` …; no leading `/`, no empty segment, no control characters. */
export function parseKeyPrefix(value: string): string {
  if (value === '') return value;
  if (value.length > MAX_KEY_PREFIX_LENGTH)
    throw new KeyPrefixError(
      `key prefix is ${value.length} characters; at most ${MAX_KEY_PREFIX_LENGTH}`,
    );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new KeyPrefixError('key prefix contains control characters');
  if (!/^([^/]+\/)+$/.test(value) || value.split('/').some((s) => s === '.' || s === '..'))
    throw new KeyPrefixError(
      `key prefix ${JSON.stringify(value)} must be path segments each ending in "/" (e.g. "vision/driftwatch/"), without a leading "/"`,
    );
  return value;
}

/** The key relative to the prefix, or undefined when it lies outside it. */
export function underPrefix(key: string, prefix: string): string | undefined {
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

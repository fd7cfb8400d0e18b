import { describe, expect, it } from 'vitest';
import {
  buildDigest,
  fingerprintOf,
  MAX_SUBJECT_LENGTH,
  plainText,
} from '../../../lambdas/core/drift/digest.ts';
import type { MonitorResult } from '../../../lambdas/core/drift/monitor-result.ts';

const result = (over: Partial<MonitorResult>): MonitorResult => ({
  monitor: 'image-drift',
  kind: 'drift',
  feature: 'sharpness',
  statistic: 'ks',
  score: 0.9,
  threshold: 0.3,
  baseline: 'reference',
  fired: true,
  severity: 'high',
  direction: 'down',
  summary: 'sharpness fell sharply against the reference: images are blurrier',
  ...over,
});

describe('buildDigest', () => {
  it('sends nothing when nothing fired', () => {
    expect(
      buildDigest({ dataset: 'pets', day: '2026-11-28', results: [result({ fired: false })] }),
    ).toBeUndefined();
  });

  it('lists fired monitors by severity with score, threshold and every baseline', () => {
    const digest = buildDigest({
      dataset: 'pets',
      day: '2026-11-28',
      results: [
        result({
          feature: 'noise',
          severity: 'medium',
          summary: 'noise rose clearly against the reference: images are noisier',
        }),
        result({}),
        result({ baseline: 'trailing', score: 0.8, threshold: 0.4 }),
        result({ feature: 'entropy', fired: false }),
      ],
    });
    expect(digest?.subject).toBe(
      '[Driftwatch] pets 2026-11-28: drift in 2 features (sharpness, noise)',
    );
    const text = digest?.text ?? '';
    expect(text.indexOf('HIGH (1)')).toBeLessThan(text.indexOf('MEDIUM (1)'));
    expect(text).toContain(
      '  • sharpness fell sharply against the reference: images are blurrier.',
    );
    expect(text).toContain('ks 0.900 > 0.300 vs reference; ks 0.800 > 0.400 vs trailing');
    expect(digest?.alerts).toHaveLength(3);
  });

  it('keeps the subject within 100 characters', () => {
    const many = Array.from({ length: 30 }, (_, i) => result({ feature: `feature.number.${i}` }));
    const digest = buildDigest({
      dataset: 'a-very-long-dataset-name-for-cameras',
      day: '2026-11-28',
      results: many,
    });
    expect(digest?.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(digest?.subject.endsWith('…')).toBe(true);
  });

  it('marks an update and fingerprints the fired set, not the scores', () => {
    const a = buildDigest({
      dataset: 'pets',
      day: 'd',
      results: [result({ score: 0.9 })],
      update: true,
    });
    const b = buildDigest({ dataset: 'pets', day: 'd', results: [result({ score: 0.7 })] });
    expect(a?.subject.startsWith('Update: ')).toBe(true);
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(fingerprintOf([result({}), result({ baseline: 'trailing' })])).toBe(
      'image-drift|sharpness|reference\nimage-drift|sharpness|trailing',
    );
  });

  it('strips control characters so a hostile name cannot forge lines', () => {
    expect(plainText('cam\r\nSubject: win\u0007')).toBe('cam  Subject: win ');
    const digest = buildDigest({ dataset: 'evil\nBcc: x', day: 'd', results: [result({})] });
    expect(digest?.subject).not.toContain('\n');
    expect(digest?.text.split('\n')[0]).toContain('"evil Bcc: x"');
  });
});

describe('plainText on hostile names', () => {
  it('removes bidi overrides and isolates, so a name reads in its real order', () => {
    const rlo = 'invoice\u202Egpj.exe';
    expect(plainText(rlo)).toBe('invoicegpj.exe');
    for (const c of [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ])
      expect(plainText(`a${c}b`)).toBe('ab');
  });

  it('removes zero-width and other format characters (ZWSP, ZWJ, word joiner, BOM, soft hyphen, tags)', () => {
    expect(plainText('p\u200Be\u200Ct\u200Ds\u2060\uFEFF\u00AD\u{E0041}')).toBe('pets');
  });

  it('turns line and paragraph separators into spaces and drops lone surrogates', () => {
    expect(plainText('a\u2028b\u2029c\u0085d')).toBe('a b c d');
    expect(plainText('x\uD800y')).toBe('xy');
  });

  it('cuts at a code point, never half a surrogate pair', () => {
    const cut = plainText('🐱'.repeat(10), 5);
    expect(cut).toBe('🐱🐱🐱🐱…');
    expect(cut).not.toMatch(/\p{Cs}/u);
  });

  it('keeps hostile format characters out of the subject and the body', () => {
    const digest = buildDigest({
      dataset: 'pe\u202Ets\u200B',
      day: '2026-11-28',
      results: [result({ segment: 'cam\u2067-1\uFEFF', summary: 'drift\u202D on\u2060 cam' })],
    });
    const format = /[\p{Cf}]/u;
    expect(digest?.subject).not.toMatch(format);
    expect(digest?.text).not.toMatch(format);
    expect(digest?.subject).toContain('pets 2026-11-28');
  });
});

describe('buildDigest with segments', () => {
  it('groups what fired in each segment under its name and names the segments in the subject', () => {
    const digest = buildDigest({
      dataset: 'yard',
      day: '2026-11-28',
      results: [
        result({
          segment: 'cam07',
          statistic: 'peer-z',
          summary: 'cam07: sharpness fell sharply against its peers: images are blurrier',
        }),
        result({
          segment: 'cam05',
          kind: 'volume',
          monitor: 'image-volume',
          feature: undefined,
          statistic: 'volume-ratio',
          score: 0,
          threshold: 0.2,
          baseline: 'trailing',
          summary: 'cam05: sent no images today; trailing median 20',
        }),
      ],
    });
    // A silent camera comes first: its volume ratio 0 is infinitely far below its bound of 0.2.
    expect(digest?.subject).toBe('[Driftwatch] yard 2026-11-28: 2 segments (cam05, cam07)');
    const text = digest?.text ?? '';
    expect(text).toContain('BY SEGMENT');
    expect(text).toContain('cam07 (1 problem)');
    expect(text).toContain('cam05: sent no images today; trailing median 20.');
    expect(text).toContain('volume-ratio 0.000 < 0.200 vs trailing');
    expect(digest?.alerts.map((a) => a.segment)).toEqual(['cam05', 'cam07']);
  });

  it('tells the same alert in two segments apart in the fingerprint', () => {
    expect(fingerprintOf([result({ segment: 'cam01' })])).not.toBe(
      fingerprintOf([result({ segment: 'cam02' })]),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { fingerprint, NameIndex } from '../../../lambdas/core/labels/name-index.ts';
import { GrowableColumn } from '../../../lambdas/core/util/growable-column.ts';

describe('NameIndex', () => {
  it('numbers names in order of first sight and finds them again after many rehashes', () => {
    const index = new NameIndex();
    const names = Array.from(
      { length: 50_000 },
      (_, i) => `s3://bucket/images/day_${i % 7}/img_${i}.jpg`,
    );
    expect(names.map((name) => index.add(name))).toEqual(names.map((_, i) => i));
    expect(index.add(names[123] as string)).toBe(123);
    expect(index.size).toBe(names.length);
    expect(names.every((name, i) => index.find(name) === i)).toBe(true);
    expect(index.find('s3://bucket/images/day_0/img_50000.jpg')).toBe(-1);
  });

  it('gives names that differ in one character or in order different fingerprints', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(fingerprint(`img_${i}.jpg`).join(':'));
    expect(seen.size).toBe(200_000);
    expect(fingerprint('ab')).not.toEqual(fingerprint('ba'));
    expect(fingerprint('é')).not.toEqual(fingerprint('e'));
  });
});

describe('GrowableColumn', () => {
  it('widens a 16-bit index column to 32 bits without losing earlier values', () => {
    const column = new GrowableColumn('index');
    for (let i = 0; i < 3000; i++) column.push(i * 20);
    column.push(70_000);
    expect(column.get(2999)).toBe(59_980);
    expect(column.get(3000)).toBe(70_000);
    expect(column.length).toBe(3001);
  });

  it('fills slots it was extended over with its empty value', () => {
    const column = new GrowableColumn('float', Number.NaN);
    column.ensureLength(5000);
    column.set(4999, 0.5);
    expect(column.get(0)).toBeNaN();
    expect(column.get(4999)).toBe(0.5);
  });
});

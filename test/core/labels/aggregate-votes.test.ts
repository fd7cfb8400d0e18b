import { describe, expect, it } from 'vitest';
import {
  type AggregationOptions,
  aggregateVotes,
  consensusOf,
} from '../../../lambdas/core/labels/aggregate-votes.ts';
import {
  krippendorffAlpha,
  NO_PAIRABLE_VOTES,
  NO_VARIATION,
} from '../../../lambdas/core/labels/krippendorff-alpha.ts';
import type { LabelRow } from '../../../lambdas/core/labels/label-row.ts';
import { VoteTable } from '../../../lambdas/core/labels/vote-table.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';

const vote = (item: string, annotator: string, label: string, goldLabel?: string): LabelRow => ({
  item,
  annotator,
  label,
  goldLabel,
  line: 1,
});

/** Three annotators (0.95, 0.70, a random spammer) on `n` binary items, with a share of gold tasks. */
function crowd(seed: number, n: number, goldShare: number) {
  const random = new SeededRandom(seed);
  const truth = new Map<string, string>();
  const rows: LabelRow[] = [];
  for (let i = 0; i < n; i++) {
    const t = random.next() < 0.5 ? 'cat' : 'dog';
    const flip = t === 'cat' ? 'dog' : 'cat';
    const gold = random.next() < goldShare ? t : undefined;
    if (!gold) truth.set(`img_${i}`, t);
    rows.push(vote(`img_${i}`, 'careful', random.next() < 0.95 ? t : flip, gold));
    rows.push(vote(`img_${i}`, 'hasty', random.next() < 0.7 ? t : flip, gold));
    rows.push(vote(`img_${i}`, 'spammer', random.next() < 0.5 ? 'cat' : 'dog', gold));
  }
  return { rows, table: VoteTable.of(rows), truth };
}

/** The named consensus of rows small enough to hold. */
const aggregate = (rows: LabelRow[], options?: AggregationOptions) =>
  consensusOf(rows, aggregateVotes(VoteTable.of(rows), options));

const accuracy = (rows: LabelRow[], options: AggregationOptions, truth: Map<string, string>) => {
  const consensus = aggregate(rows, options);
  return consensus.filter((c) => c.label === truth.get(c.item)).length / consensus.length;
};

describe('aggregateVotes', () => {
  it('takes the majority and applies the tie policy explicitly', () => {
    const rows = [
      vote('a', 'x', 'cat'),
      vote('a', 'y', 'cat'),
      vote('a', 'z', 'dog'),
      vote('b', 'x', 'cat'),
      vote('b', 'y', 'dog'),
    ];
    expect(aggregate(rows, { method: 'majority-vote' })).toEqual([
      { item: 'a', label: 'cat', confidence: 2 / 3, votes: 3, tie: false },
      { item: 'b', label: undefined, confidence: 0.5, votes: 2, tie: true },
    ]);
    expect(aggregate(rows, { method: 'majority-vote', tiePolicy: 'first' })[1]?.label).toBe('cat');
  });

  it('keeps the later vote when an annotator answers the same item twice', () => {
    const rows = [vote('a', 'x', 'cat'), vote('a', 'x', 'dog')];
    expect(VoteTable.of(rows).duplicates).toBe(1);
    expect(aggregate(rows, { method: 'majority-vote' })[0]?.label).toBe('dog');
  });

  it('beats majority vote by at least 5 points with Dawid–Skene when 5% of tasks are golden (10 seeds)', () => {
    let ds = 0;
    let mv = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const { rows, truth } = crowd(seed, 1000, 0.05);
      ds += accuracy(rows, { method: 'dawid-skene', seed }, truth);
      mv += accuracy(rows, { method: 'majority-vote', tiePolicy: 'first' }, truth);
    }
    expect(ds / 10 - mv / 10).toBeGreaterThanOrEqual(0.05);
    console.info(
      `Dawid–Skene ${(ds * 10).toFixed(1)}% vs majority vote ${(mv * 10).toFixed(1)}% (mean of 10 seeds)`,
    );
  });

  it('learns the spammer is worthless and scores annotators against gold and consensus', () => {
    const { table } = crowd(11, 1000, 0.05);
    const result = aggregateVotes(table, { seed: 11 });
    expect(result.method).toBe('dawid-skene');
    const byName = Object.fromEntries(result.annotators.map((a) => [a.annotator, a]));
    expect(byName.careful?.goldAccuracy).toBeGreaterThan(0.85);
    expect(byName.spammer?.agreement).toBeLessThan(0.65);
    expect(byName.careful?.agreement).toBeGreaterThan(0.9);
  });

  it('leaves gold tasks out of the consensus', () => {
    const rows = [vote('g', 'x', 'cat', 'cat'), vote('a', 'x', 'dog')];
    expect(aggregate(rows).map((c) => c.item)).toEqual(['a']);
    expect(aggregateVotes(VoteTable.of(rows))).toMatchObject({ items: 1, ties: 0 });
  });
});

describe('Dawid–Skene convergence', () => {
  /** 600 items, 3 classes, 4 workers of accuracy 0.85, 0.70, 0.60, 0.45, errors mostly to the next class. */
  function threeClassCrowd(seed: number): LabelRow[] {
    const random = new SeededRandom(seed);
    const classes = ['a', 'b', 'c'];
    const rows: LabelRow[] = [];
    for (let i = 0; i < 600; i++) {
      const truth = Math.floor(random.next() * 3);
      [0.85, 0.7, 0.6, 0.45].forEach((accuracy, w) => {
        const given =
          random.next() > accuracy ? (truth + 1 + (random.next() < 0.7 ? 0 : 1)) % 3 : truth;
        rows.push(vote(`i${i}`, `w${w}`, classes[given] as string));
      });
    }
    return rows;
  }

  it('reaches the fixed point on 600 items, 4 workers and 3 classes', () => {
    const rows = threeClassCrowd(18);
    const table = VoteTable.of(rows);
    const result = aggregateVotes(table, { method: 'dawid-skene' });
    // The fixed point: the same EM run until nothing moves by 1e-13.
    const fixed = aggregateVotes(table, {
      method: 'dawid-skene',
      tolerance: 1e-13,
      maxIterations: 100_000,
    });
    expect(result.converged).toBe(true);
    expect(fixed.converged).toBe(true);
    const got = consensusOf(rows, result);
    const want = consensusOf(rows, fixed);
    expect(got.map((c) => c.label)).toEqual(want.map((c) => c.label));
    const gap = Math.max(...got.map((c, i) => Math.abs(c.confidence - (want[i]?.confidence ?? 0))));
    expect(gap).toBeLessThan(1e-5);
  });

  it('reports when the iteration cap stops it before convergence', () => {
    const result = aggregateVotes(VoteTable.of(threeClassCrowd(18)), {
      method: 'dawid-skene',
      maxIterations: 5,
    });
    expect(result).toMatchObject({ iterations: 5, converged: false });
  });
});

describe('gold-weighted majority vote', () => {
  // One gold task answered right by "expert"; "a" and "b" never saw gold. On item x, a and b say dog, expert says cat.
  const rows = [
    vote('g1', 'expert', 'cat', 'cat'),
    vote('x', 'a', 'dog'),
    vote('x', 'b', 'dog'),
    vote('x', 'expert', 'cat'),
  ];
  const gold = { method: 'gold-majority-vote' } as const;

  it('lets two agreeing annotators without gold outvote one with a single correct gold task', () => {
    expect(aggregate(rows, gold)).toEqual([
      expect.objectContaining({ item: 'x', label: 'dog', tie: false }),
    ]);
  });

  it('gives the same answer when an unrelated class appears elsewhere in the file', () => {
    const withBird = [...rows, vote('y', 'c', 'bird'), vote('y', 'd', 'bird')];
    expect(aggregate(withBird, gold).find((c) => c.item === 'x')).toMatchObject({ label: 'dog' });
  });

  it('still follows an annotator whose gold record is long and right against a poor one', () => {
    const record = Array.from({ length: 20 }, (_, i) => [
      vote(`g${i}`, 'expert', 'cat', 'cat'),
      vote(`g${i}`, 'a', i % 2 ? 'cat' : 'dog', 'cat'),
    ]).flat();
    const contested = [vote('x', 'a', 'dog'), vote('x', 'b', 'dog'), vote('x', 'expert', 'cat')];
    // a is at chance on gold (weight 0); b, without gold, gets the pooled accuracy (31/42 ≈ 0.74).
    expect(aggregate([...record, ...contested], gold)).toEqual([
      expect.objectContaining({ item: 'x', label: 'cat' }),
    ]);
  });
});

describe('krippendorffAlpha', () => {
  it('is 1 for perfect agreement, about 0 for chance, and matches a hand-computed case', () => {
    expect(
      krippendorffAlpha(
        VoteTable.of([
          vote('a', 'x', 'cat'),
          vote('a', 'y', 'cat'),
          vote('b', 'x', 'dog'),
          vote('b', 'y', 'dog'),
        ]),
      ).alpha,
    ).toBe(1);
    // Two items: (cat, cat) and (cat, dog). Coincidences: o_cc = 2 + 1·1/1 = … computed by hand:
    // item 1 contributes cc 2; item 2 contributes cd 1, dc 1 → n_c = 3, n_d = 1, n = 4;
    // D_o = 2, D_e = (3·1 + 1·3)/3 = 2 → α = 1 − 2/2 = 0.
    expect(
      krippendorffAlpha(
        VoteTable.of([
          vote('a', 'x', 'cat'),
          vote('a', 'y', 'cat'),
          vote('b', 'x', 'cat'),
          vote('b', 'y', 'dog'),
        ]),
      ).alpha,
    ).toBeCloseTo(0, 12);
  });

  it('is undefined, with the reason, without pairable votes or without any variation', () => {
    expect(krippendorffAlpha(VoteTable.of([vote('a', 'x', 'cat')]))).toEqual({
      undefinedBecause: NO_PAIRABLE_VOTES,
    });
    // Everyone says cat on every item: D_o = D_e = 0, so α = 0/0, not perfect agreement.
    const allCat = VoteTable.of([
      vote('a', 'x', 'cat'),
      vote('a', 'y', 'cat'),
      vote('b', 'x', 'cat'),
      vote('b', 'y', 'cat'),
      vote('c', 'z', 'dog'),
    ]);
    expect(krippendorffAlpha(allCat)).toEqual({ undefinedBecause: NO_VARIATION });
  });
});

describe('aggregateVotes with many classes and annotators', () => {
  it('uses majority vote where Dawid–Skene would hold more cells than its budget', () => {
    const rows: LabelRow[] = [];
    // 30 items, 3 votes each from 20 annotators, 12 classes: J·K² = 2,880 cells plus posteriors.
    for (let item = 0; item < 30; item++)
      for (let v = 0; v < 3; v++)
        rows.push({
          item: `img_${item}.jpg`,
          label: `class-${(item + (v === 2 ? 1 : 0)) % 12}`,
          annotator: `w${(item + v) % 20}`,
          line: rows.length + 2,
        });
    const table = VoteTable.of(rows);
    expect(aggregateVotes(table).method).toBe('dawid-skene');
    const capped = aggregateVotes(table, { maxDawidSkeneCells: 1000 });
    expect(capped.method).toBe('majority-vote');
    expect(consensusOf(rows, capped)[0]?.label).toBe('class-0');
  });
});

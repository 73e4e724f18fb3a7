// Measured A/B verdicts: a winner only when the distributions separate (Compare once declared one
// on 32.22 vs 31.81 ms with ±30% spreads). Cases are built by hand, not by the code under test.
import { describe, expect, it } from 'vitest';
import { abVerdict, bootstrapRatioCi, quantile, spread } from '../../src/ui/noise.ts';

/** n samples evenly spread over [centre·(1−w), centre·(1+w)] (a deterministic noisy run). */
const run = (centre: number, w: number, n = 10) => Array.from({ length: n }, (_, i) => centre * (1 - w + (2 * w * i) / (n - 1)));

describe('abVerdict', () => {
  const cases: Array<{ note: string; a: number[]; b: number[]; faster: 'A' | 'B' | null }> = [
    // the defect: medians 1.3% apart, spreads of ±30% -> no winner
    { note: 'the defect report: 32.22 vs 31.81 ms, ±30%', a: run(32.22, 0.3), b: run(31.81, 0.3), faster: null },
    // clearly separated ranges -> the lower one wins by p10/p90
    { note: 'separated: 20 ms ±5% vs 30 ms ±5%', a: run(20, 0.05), b: run(30, 0.05), faster: 'A' },
    { note: 'separated the other way', a: run(30, 0.05), b: run(20, 0.05), faster: 'B' },
    // identical samples -> no difference
    { note: 'identical', a: run(10, 0.1), b: run(10, 0.1), faster: null },
    // overlapping p10/p90 but a consistent 12% shift over tight samples: the bootstrap interval excludes 1
    { note: 'overlapping ranges, consistent shift', a: run(10, 0.12, 30), b: run(11.2, 0.12, 30), faster: 'A' },
  ];
  for (const c of cases) {
    it(c.note, () => {
      const v = abVerdict(c.a, c.b);
      expect(v).not.toBeNull();
      expect(v!.faster).toBe(c.faster);
      if (c.faster === null) expect(v!.by).toBeNull();
    });
  }

  it('the shifted case is separated by the bootstrap, not by p10/p90', () => {
    const v = abVerdict(run(10, 0.12, 30), run(11.2, 0.12, 30))!;
    expect(v.by).toBe('bootstrap');
    expect(v.ci[0]).toBeGreaterThan(1);
  });

  it('needs three samples a side', () => {
    expect(abVerdict([1, 2], [1, 2, 3])).toBeNull();
  });

  it('quantiles and spreads by hand', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1, 12);
    expect(spread([5, 1, 3])).toEqual({ median: 3, p10: 1.4, p90: 4.6 });
  });

  it('the bootstrap interval of identical constant samples is exactly 1', () => {
    expect(bootstrapRatioCi([2, 2, 2], [2, 2, 2])).toEqual([1, 1]);
  });
});

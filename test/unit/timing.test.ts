import { describe, it, expect } from 'vitest';
import { quantile, summarize, timestampGranularityNs } from '../../src/gpu/timing.ts';

describe('timing statistics', () => {
  it('quantiles interpolate linearly between order statistics', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    expect(quantile(s, 0.5)).toBe(6);
    expect(quantile(s, 0.1)).toBe(2);
    expect(quantile(s, 0.9)).toBe(10);
    expect(quantile([1, 2], 0.5)).toBe(1.5);
  });
  it('summarize sorts before taking quantiles', () => {
    expect(summarize([5, 1, 4, 2, 3])).toEqual({ medianMs: 3, p10Ms: 1.4, p90Ms: 4.6 });
  });
  it('detects Chrome-style 100 us timestamp quantization from raw deltas', () => {
    expect(timestampGranularityNs([100_000n, 300_000n, 200_000n])).toBe(100_000);
  });
  it('reports fine granularity for nanosecond timestamps', () => {
    expect(timestampGranularityNs([123_457n, 98_765n, 100_001n])).toBe(1);
  });
  it('ignores zero deltas', () => {
    expect(timestampGranularityNs([0n, 5_000n, 10_000n])).toBe(5_000);
  });
});

// A/B verdicts on measured timings that respect noise: one side wins only when the two sample
// distributions separate, by either test:
//   1. their p10–p90 ranges do not overlap, or
//   2. a bootstrap 95% interval of the ratio of medians (B / A) excludes 1
//      (both sides resampled with replacement, a fixed seed so the verdict does not flicker).
// Otherwise the verdict is "no clear difference", whatever the medians say.
// Pure; test/unit/noise.test.ts checks it on separated, overlapping and identical samples.

export interface Spread {
  median: number;
  p10: number;
  p90: number;
}

export interface AbVerdict {
  /** Which side is faster (lower time), or null: no clear difference. */
  faster: 'A' | 'B' | null;
  /** median(B) / median(A). */
  ratio: number;
  /** Bootstrap 95% interval of median(B) / median(A). */
  ci: [number, number];
  /** Which test separated them (null when neither did). */
  by: 'p10/p90' | 'bootstrap' | null;
  a: Spread;
  b: Spread;
}

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function spread(samples: readonly number[]): Spread {
  const s = [...samples].sort((x, y) => x - y);
  return { median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9) };
}

/** mulberry32: a small seeded PRNG (deterministic resampling). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resampledMedian(samples: readonly number[], rand: () => number, buf: number[]): number {
  for (let i = 0; i < samples.length; i++) buf[i] = samples[Math.floor(rand() * samples.length)];
  buf.sort((x, y) => x - y);
  return quantile(buf, 0.5);
}

/** Bootstrap 95% interval of median(b) / median(a). */
export function bootstrapRatioCi(a: readonly number[], b: readonly number[], rounds = 2000, seed = 1): [number, number] {
  const rand = rng(seed);
  const ratios: number[] = [];
  const ba = new Array<number>(a.length);
  const bb = new Array<number>(b.length);
  for (let r = 0; r < rounds; r++) ratios.push(resampledMedian(b, rand, bb) / resampledMedian(a, rand, ba));
  ratios.sort((x, y) => x - y);
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

/** The verdict on two timing sample sets (lower is faster). Needs at least 3 positive samples a side. */
export function abVerdict(samplesA: readonly number[], samplesB: readonly number[]): AbVerdict | null {
  const a = samplesA.filter((x) => Number.isFinite(x) && x > 0);
  const b = samplesB.filter((x) => Number.isFinite(x) && x > 0);
  if (a.length < 3 || b.length < 3) return null;
  const sa = spread(a);
  const sb = spread(b);
  const ratio = sb.median / sa.median;
  const ci = bootstrapRatioCi(a, b);
  let by: AbVerdict['by'] = null;
  if (sa.p90 < sb.p10 || sb.p90 < sa.p10) by = 'p10/p90';
  else if (ci[0] > 1 || ci[1] < 1) by = 'bootstrap';
  const faster = by === null ? null : ratio > 1 ? 'A' : 'B';
  return { faster, ratio, ci, by, a: sa, b: sb };
}

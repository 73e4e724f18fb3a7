// The comparison every check goes through (src/kernels/compare.ts): decoding by dtype, NaN/Inf/±0,
// integers exactly, and the scale-aware tolerance. Expected verdicts are worked out by hand here,
// never by calling the code under test twice.
import { describe, it, expect } from 'vitest';
import { compareArrays, compareOutputs, elementMatches, FIRST_MISMATCHES } from '../../src/kernels/compare.ts';
import { f32ToF16Bits } from '../../src/kernels/f16.ts';
import { matmul, matmulRef } from '../../src/kernels/matmul.ts';
import { randomF32 } from '../../src/kernels/kernel.ts';

const f16 = (...v: number[]) => Uint16Array.from(v.map(f32ToF16Bits));
const TOL = { atol: 1e-3, rtol: 1e-3 };

describe('element rule', () => {
  // [got, want, verdict, why the case is here]
  const cases: Array<[number, number, boolean, string]> = [
    [-0, 0, true, '-0 and +0 are the same value'],
    [NaN, NaN, true, 'NaN where the reference has NaN is correct propagation'],
    [1, NaN, false, 'a number where the reference has NaN hides the NaN'],
    [NaN, 1, false, 'NaN where the reference has a number is a failure'],
    [Infinity, Infinity, true, 'the same infinity'],
    [-Infinity, Infinity, false, 'opposite infinities'],
    [1e30, Infinity, false, 'a finite value is not an overflow, however large'],
    [1.0015, 1, true, 'inside atol + rtol·|ref| = 2e-3'],
    [1.0025, 1, false, 'outside it'],
  ];
  for (const [g, w, ok, why] of cases) {
    it(`${g} vs ${w}: ${ok ? 'match' : 'mismatch'} (${why})`, () => {
      expect(elementMatches(g, w, TOL.atol, TOL.rtol, false)).toBe(ok);
      const c = compareArrays('T', Float32Array.of(g), Float32Array.of(w), TOL);
      expect(c.ok).toBe(ok);
      expect(c.mismatches).toBe(ok ? 0 : 1);
    });
  }
});

describe('results in the subnormal range may be flushed to zero (WGSL allows it)', () => {
  // kernel-holdout: matmul-int8 with wScale 1e-37 and |x| ~ 1e-3: Y ~ 9e-39 came back as 0 and the CLI said exit 3
  it('0 for a subnormal reference matches, however small the scaled atol; 0 for the smallest normals does not', () => {
    const tol = { atol: 1e-5, rtol: 1e-6 };
    expect(compareArrays('Y', Float32Array.of(0, 0), Float32Array.of(9e-39, -1e-40), tol, { scale: 1e-38 }).ok).toBe(true);
    expect(compareArrays('Y', Float32Array.of(0), Float32Array.of(2.5e-38), tol, { scale: 1e-38 }).ok).toBe(false);
  });
  it('f16: below 2^-14 (6.1e-5) likewise', () => {
    expect(compareArrays('C', f16(0), f16(3e-5), { atol: 0, rtol: 1e-3 }).ok).toBe(true);
    expect(compareArrays('C', f16(0), f16(1.3e-4), { atol: 0, rtol: 1e-3 }).ok).toBe(false);
  });
});

describe('f16 tensors are compared as numbers, not bit patterns', () => {
  it('an f16 result within tolerance passes (the reference rounded to f16 differs by one ulp)', () => {
    // 0.3 rounds to 0x34cd in f16; 0x34cc is the next value below: a 2.4e-4 difference.
    const got = Uint16Array.of(0x34cc, f32ToF16Bits(-2), 0);
    const ref = f16(0.3, -2, 0);
    expect(got[0]).not.toBe(ref[0]);
    const c = compareArrays('C', got, ref, { atol: 2e-3, rtol: 2e-3 }, [3]);
    expect(c.ok, c.summary).toBe(true);
    expect(c.maxAbsErr).toBeCloseTo(2.44e-4, 6);
  });
  it('-0 vs +0 in f16 passes (raw bits 0x8000 vs 0x0000)', () => {
    expect(compareArrays('C', Uint16Array.of(0x8000), Uint16Array.of(0), 'exact').ok).toBe(true);
  });
  it('a 2.5% f16 error fails, although its bit patterns differ by only 26', () => {
    const got = f16(2), ref = f16(2.05);
    expect(ref[0] - got[0]).toBe(26);
    const c = compareArrays('C', got, ref, { atol: 2e-3, rtol: 2e-3 });
    expect(c.ok).toBe(false);
    expect(c.firstMismatches[0]).toMatch(/C\[0\]: got 2, want 2\.05/);
  });
  it('NaN and Inf survive decoding, and the f16 padding element is ignored', () => {
    const got = Uint16Array.of(0x7e00, 0x7c00, 0x1234); // NaN, +Inf, padding
    const ref = Uint16Array.of(0x7c01, 0x7c00, 0); // another NaN encoding, +Inf, padding
    const c = compareArrays('C', got, ref, { atol: 0, rtol: 0 }, [2]);
    expect(c.ok, c.summary).toBe(true);
    expect(c.count).toBe(2);
  });
});

describe('integers are compared exactly', () => {
  it('an int32 accumulator off by one fails even beside a tolerance-sized difference in floats', () => {
    const c = compareArrays('ACC', Int32Array.of(5, -7, 2147483647), Int32Array.of(5, -6, 2147483647), 'exact', [3]);
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(1);
    expect(c.firstMismatches).toEqual(['ACC[1]: got -7, want -6']);
  });
  it('int8 tensors match exactly, -128 included', () => {
    expect(compareArrays('Xq', Int8Array.of(-128, 127, 0), Int8Array.of(-128, 127, 0), 'exact').ok).toBe(true);
    expect(compareArrays('Xq', Int8Array.of(-128, 127, 0), Int8Array.of(-127, 127, 0), 'exact').ok).toBe(false);
  });
});

describe('reports', () => {
  it('lists the first mismatches with their multi-dimensional index and counts the rest', () => {
    const ref = new Float32Array(12);
    const got = new Float32Array(12).fill(1); // all 12 wrong
    const c = compareArrays('Y', got, ref, TOL, [3, 4]);
    expect(c.mismatches).toBe(12);
    expect(c.firstMismatches).toHaveLength(FIRST_MISMATCHES);
    expect(c.firstMismatches[0]).toMatch(/^Y\[0, 0\]: got 1, want 0/);
    expect(c.firstMismatches[4]).toMatch(/^Y\[1, 0\]/); // flat index 4 in [3, 4]
    expect(c.summary).toMatch(/^Y: 12 of 12 values outside/);
  });
  it('a length mismatch is a failure that says both lengths', () => {
    const c = compareArrays('Y', new Float32Array(3), new Float32Array(4), TOL);
    expect(c.ok).toBe(false);
    expect(c.summary).toMatch(/3 values, but the reference has 4/);
  });
  it('prints tolerances readably (no 20-digit numbers)', () => {
    const c = compareArrays('C', Float32Array.of(1), Float32Array.of(1), { atol: 1e-5 * Math.sqrt(19), rtol: 1e-5 });
    expect(c.summary).toBe('C: 1 values match |err| ≤ 4.36e-5 + 1.00e-5·|ref|; max |err| 0');
  });
});

describe('scale-aware tolerance (matmul 65x63x129, the case from issue 9)', () => {
  const M = 65, K = 63, N = 129;
  const plan = matmul.plan(matmul.validate({ M, N, K }), 'tiled');
  /** f32 accumulation in k order, as one GPU invocation does it (every partial sum rounded to f32). */
  function f32Matmul(A: Float32Array, B: Float32Array, skipLastK = false): Float32Array {
    const C = new Float32Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < (skipLastK ? K - 1 : K); k++) s = Math.fround(s + Math.fround(A[i * K + k] * B[k * N + j]));
        C[i * N + j] = s;
      }
    return C;
  }
  const big = (n: number, seed: number) => randomF32(n, seed, 1000);

  it('f32 rounding with inputs ~1e3 passes (a fixed atol called it 39-ish mismatches)', () => {
    const A = big(M * K, 1), B = big(K * N, 2);
    const got = f32Matmul(A, B);
    const ref = matmulRef(A, B, M, N, K);
    const unscaled = compareArrays('C', got, ref, matmul.tolerance(plan, 'C'), [M, N]);
    expect(unscaled.ok, 'the unscaled tolerance is what issue 9 reported').toBe(false);
    const r = compareOutputs(matmul, plan, { A, B }, { C: got }, { C: ref });
    expect(r.ok, r.lines.join('\n')).toBe(true);
    expect(r.comparisons[0].scale).toBeGreaterThan(0.9e6);
    expect(r.comparisons[0].scale).toBeLessThanOrEqual(1e6);
  });
  it('a real mismatch at the same scale fails: the last k step skipped (a ragged-K bug)', () => {
    const A = big(M * K, 1), B = big(K * N, 2);
    const r = compareOutputs(matmul, plan, { A, B }, { C: f32Matmul(A, B, true) }, { C: matmulRef(A, B, M, N, K) });
    expect(r.ok).toBe(false);
    expect(r.comparisons[0].mismatches).toBeGreaterThan(M * N * 0.9);
  });
  it('a real mismatch at unit scale still fails: the scale does not loosen the stated tolerance', () => {
    const A = randomF32(M * K, 3), B = randomF32(K * N, 4);
    const ref = matmulRef(A, B, M, N, K);
    const got = Float32Array.from(ref);
    got[7 * N + 3] += 1e-3; // one element off by 1e-3, well above f32 rounding at K = 63
    const r = compareOutputs(matmul, plan, { A, B }, { C: got }, { C: ref });
    expect(r.ok).toBe(false);
    expect(r.comparisons[0].firstMismatches[0]).toMatch(/^C\[7, 3\]/);
  });
  it('tiny inputs shrink the tolerance too: zeros for a 1e-3-scale product fail', () => {
    const A = randomF32(M * K, 5, 1e-3), B = randomF32(K * N, 6, 1e-3);
    const r = compareOutputs(matmul, plan, { A, B }, { C: new Float32Array(M * N) }, { C: matmulRef(A, B, M, N, K) });
    expect(r.ok).toBe(false);
  });
});

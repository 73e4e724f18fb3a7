// GGUF-quantized matmul (matmul-gguf: gemv and tiled, Q4_0 / Q4_K / Q5_K / Q6_K blocks read as stored) on real
// WebGPU (Dawn in Node; SwiftShader on CI) against the CPU reference, which dequantizes exactly as ggml
// (src/kernels/ggml-quants.ts, itself checked on hand-built blocks in test/unit/ggml-quants.test.ts) and
// accumulates in f64; instrumented traffic against the plan; validation messages without a GPU.
import { describe, it, expect } from 'vitest';
import { matmulGguf, type MatmulGgufVariant } from '../../src/kernels/matmul-gguf.ts';
import { GGML_QUANT_TYPES } from '../../src/kernels/ggml-quants.ts';
import { autoVariant, KernelInputError } from '../../src/kernels/kernel.ts';
import { stepTotals } from '../../src/kernels/plan.ts';
import { expectMatchesReference, expectTrafficMatchesPlan } from './harness.ts';

const planOf = (params: Record<string, unknown>, v: MatmulGgufVariant) => matmulGguf.plan(matmulGguf.validate(params), v);

// Why each shape: the block size is 32 (Q4_0) or 256 (K-quants), so K is one or two blocks; N not a multiple
// of the 8-column gemv workgroup or the 16-column tile; M = 1 (decode), 3 (several gemv rows) and 19 (a ragged
// 16-row tile). Q4_0 and Q6_K rows of an odd block count put every other row's blocks at byte 2 of a word.
const cases: Array<{ variant: MatmulGgufVariant; M: number; N: number; K: (qk: number) => number; note: string }> = [
  { variant: 'gemv', M: 1, N: 11, K: (qk) => qk, note: 'decode row, one block per row (odd: misaligned rows for Q4_0 / Q6_K)' },
  { variant: 'gemv', M: 3, N: 9, K: (qk) => 2 * qk, note: 'three rows, two blocks per row, ragged column group' },
  { variant: 'tiled', M: 19, N: 17, K: (qk) => qk, note: 'ragged 16x16 tiles, one block' },
  { variant: 'tiled', M: 5, N: 6, K: (qk) => 3 * qk, note: 'three blocks per row (odd), rows at alternating alignment' },
];
const SMALL = { BM: 16, BN: 16, TM: 2, TN: 2 };
const QK: Record<string, number> = { q4_0: 32, q4_k: 256, q5_k: 256, q6_k: 256 };

describe('matmul-gguf matches the CPU reference (ggml dequantization, f64 sums)', () => {
  for (const format of GGML_QUANT_TYPES)
    for (const c of cases) {
      it(`${format} ${c.variant} M=${c.M} N=${c.N} K=${c.K(QK[format])}: ${c.note}`, async () => {
        await expectMatchesReference(matmulGguf, planOf({ M: c.M, N: c.N, K: c.K(QK[format]), format, ...SMALL }, c.variant), 7);
      });
    }
});

describe('matmul-gguf: per-workgroup bytes equal the plan', () => {
  // gemv with a ragged K chunk is covered by q4_0 K = 96 (XC 96 = the whole row; 2 chunks for M = 1 need K > 2048)
  const traffic: Array<[string, Record<string, unknown>, MatmulGgufVariant]> = [
    ['q6_k', { M: 2, N: 9, K: 512, format: 'q6_k' }, 'gemv'],
    ['q4_0', { M: 1, N: 5, K: 2112, format: 'q4_0' }, 'gemv'], // XC 2048 + a 64-value tail chunk
    ['q4_k', { M: 17, N: 18, K: 256, format: 'q4_k', ...SMALL }, 'tiled'],
    ['q5_k', { M: 3, N: 5, K: 256, format: 'q5_k', ...SMALL }, 'tiled'],
    ['q4_0', { M: 4, N: 3, K: 96, format: 'q4_0', ...SMALL }, 'tiled'],
  ];
  for (const [name, params, v] of traffic) {
    it(`${name} ${v} ${JSON.stringify(params)}`, async () => {
      await expectTrafficMatchesPlan(matmulGguf, planOf(params, v));
    });
  }
});

describe('matmul-gguf: validation and shape rule (no GPU)', () => {
  it('refuses K that is not whole blocks, and unknown formats, in one line', () => {
    expect(() => matmulGguf.validate({ K: 300, format: 'q4_k' })).toThrow(new KernelInputError('K must be a multiple of 256 (one Q4_K block), got 300'));
    expect(() => matmulGguf.validate({ format: 'q3_k' })).toThrow('format must be one of q4_0, q4_k, q5_k, q6_k, got "q3_k"');
  });
  it('picks gemv for up to 8 rows, tiled above', () => {
    expect(autoVariant(matmulGguf, matmulGguf.validate({ M: 8 }))).toBe('gemv');
    expect(autoVariant(matmulGguf, matmulGguf.validate({ M: 9 }))).toBe('tiled');
  });
  it('plans the packed bytes: W traffic of a gemv is the tensor\'s blocks (plus 2 B per Q6_K block fetched with its neighbour)', () => {
    const plan = planOf({ M: 1, N: 8, K: 512, format: 'q6_k' }, 'gemv');
    expect(stepTotals(plan.passes[0].tiles[0].steps).loadByTensor.W).toBe(8 * 2 * 212);
    expect(plan.ioBytes).toBe(4 * 512 + 8 * 2 * 210 + 4 * 8);
  });
});

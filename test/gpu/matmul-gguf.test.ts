// GGUF-quantized matmul (matmul-gguf: gemv and tiled, Q4_0 / Q4_K / Q5_K / Q6_K / Q3_K / Q2_K / IQ4_NL / IQ4_XS ... blocks read as stored) on real
// WebGPU (Dawn in Node; SwiftShader on CI) against the CPU reference, which dequantizes exactly as ggml
// (src/kernels/ggml-quants.ts, itself checked on hand-built blocks in test/unit/ggml-quants.test.ts) and
// accumulates in f64; instrumented traffic against the plan; validation messages without a GPU.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { matmulGguf, quantizeFormat, ggufWords, type MatmulGgufVariant } from '../../src/kernels/matmul-gguf.ts';
import { GGML_QUANTS, GGML_QUANT_TYPES, type GgmlQuantType } from '../../src/kernels/ggml-quants.ts';
import { autoVariant, KernelInputError } from '../../src/kernels/kernel.ts';
import { stepTotals } from '../../src/kernels/plan.ts';
import { checkPlan } from '../../src/gpu/check.ts';
import { ShaderCompileError } from '../../src/gpu/runner.ts';
import { expectMatchesReference, expectTrafficMatchesPlan, gpu } from './harness.ts';

const planOf = (params: Record<string, unknown>, v: MatmulGgufVariant) => matmulGguf.plan(matmulGguf.validate(params), v);

// Why each shape: the block size is 32 (Q4_0) or 256 (K-quants), so K is one or two blocks; N not a multiple
// of the 8-column gemv workgroup or the 16-column tile; M = 1 (decode), 3 (several gemv rows) and 19 (a ragged
// 16-row tile). Q4_0, Q6_K and Q3_K rows of an odd block count put every other row's blocks at byte 2 of a word.
const cases: Array<{ variant: MatmulGgufVariant; M: number; N: number; K: (qk: number) => number; note: string }> = [
  { variant: 'gemv', M: 1, N: 11, K: (qk) => qk, note: 'decode row, one block per row (odd: misaligned rows for Q4_0 / Q6_K)' },
  { variant: 'gemv', M: 3, N: 9, K: (qk) => 2 * qk, note: 'three rows, two blocks per row, ragged column group' },
  { variant: 'tiled', M: 19, N: 17, K: (qk) => qk, note: 'ragged 16x16 tiles, one block' },
  { variant: 'tiled', M: 5, N: 6, K: (qk) => 3 * qk, note: 'three blocks per row (odd), rows at alternating alignment' },
];
const SMALL = { BM: 16, BN: 16, TM: 2, TN: 2 };
const QK = (f: GgmlQuantType) => GGML_QUANTS[f].blockElems;
// Q4_1 / Q5_0 / Q5_1 share Q4_0's 32-value path in the shaders: two of the four shapes each (SwiftShader compiles slowly)
const LEGACY = new Set<GgmlQuantType>(['q4_1', 'q5_0', 'q5_1']);

describe('matmul-gguf matches the CPU reference (ggml dequantization, f64 sums)', () => {
  for (const format of GGML_QUANT_TYPES)
    for (const [i, c] of cases.entries()) {
      if (LEGACY.has(format) && i % 2 === 0) continue;
      it(`${format} ${c.variant} M=${c.M} N=${c.N} K=${c.K(QK(format))}: ${c.note}`, async () => {
        await expectMatchesReference(matmulGguf, planOf({ M: c.M, N: c.N, K: c.K(QK(format)), format, ...SMALL }, c.variant), 7);
      });
    }
});

// 16-bit weights as stored (2 bytes per weight, read with unpack2x16float / a 16-bit shift, no shader-f16).
// Why each shape: gemv M=3 N=9 K=64 (two 32-value pieces per row, a ragged column group); tiled M=19 N=17
// K=96 (ragged 16x16 tiles, three pieces); gemv M=1 N=5 K=2112 (an X chunk of 2048 plus a 64-value tail).
const halfCases: Array<{ variant: MatmulGgufVariant; M: number; N: number; K: number }> = [
  { variant: 'gemv', M: 3, N: 9, K: 64 },
  { variant: 'tiled', M: 19, N: 17, K: 96 },
  { variant: 'gemv', M: 1, N: 5, K: 2112 },
];
describe('matmul-gguf f16 / bf16 weights match the CPU reference (exact widening, f64 sums)', () => {
  for (const format of ['f16', 'bf16'] as const)
    for (const c of halfCases)
      it(`${format} ${c.variant} M=${c.M} N=${c.N} K=${c.K}`, async () => {
        await expectMatchesReference(matmulGguf, planOf({ M: c.M, N: c.N, K: c.K, format, ...SMALL }, c.variant), 11);
      });
  // The reference is independent of the packing code: bf16 of small integers and f16 of dyadic values are
  // exact, so Y is known in closed form (W[n, k] = (n - k) / 4, X[m, k] = 1: Y[m, n] = Σ_k (n - k) / 4).
  for (const format of ['f16', 'bf16'] as const)
    it(`${format}: exactly representable weights give the closed-form sums`, async () => {
      const M = 2, N = 3, K = 32;
      const W = new Float32Array(N * K).map((_, i) => (Math.floor(i / K) - (i % K)) / 4);
      const plan = planOf({ M, N, K, format }, 'gemv');
      const { outputs } = await expectMatchesReference(matmulGguf, plan, 1, { X: new Float32Array(M * K).fill(1), W: ggufWords(quantizeFormat(format, W)) });
      const want = [0, 1, 2].map((n) => (K * n - (K * (K - 1)) / 2) / 4);
      expect(Array.from(outputs.Y as Float32Array)).toEqual([...want, ...want]);
    });
});

// Q8_0 (34 B per 32: f16 d, 32 int8): what a tied LM head over a Q8_0 token embedding reads (Q8_0 linears run
// through matmul-int8). Why each shape: gemv M=1 N=11 K=32 (one 2 mod 4 block per row: every other row starts at
// byte 2 of a word); tiled M=5 N=6 K=96 (three blocks per row, rows at alternating alignment, ragged tiles).
describe('matmul-gguf Q8_0 matches the CPU reference (ggml dequantization, f64 sums)', () => {
  for (const c of [{ variant: 'gemv', M: 1, N: 11, K: 32 }, { variant: 'tiled', M: 5, N: 6, K: 96 }] as const)
    it(`q8_0 ${c.variant} M=${c.M} N=${c.N} K=${c.K}`, async () => {
      await expectMatchesReference(matmulGguf, planOf({ M: c.M, N: c.N, K: c.K, format: 'q8_0', ...SMALL }, c.variant), 13);
    });
});

describe('matmul-gguf head-major output (dh > 0: a model\'s Q / K / V)', () => {
  // tiled with 19 rows: rows of one head land M·dh apart; gemv with 3 rows the same through the lane reduction
  it('q4_k tiled M=19 N=32 K=256 dh=16', async () => {
    await expectMatchesReference(matmulGguf, planOf({ M: 19, N: 32, K: 256, format: 'q4_k', dh: 16, ...SMALL }, 'tiled'), 3);
  });
  it('q6_k gemv M=3 N=24 K=256 dh=8', async () => {
    await expectMatchesReference(matmulGguf, planOf({ M: 3, N: 24, K: 256, format: 'q6_k', dh: 8 }, 'gemv'), 4);
  });
});

describe('matmul-gguf: per-workgroup bytes equal the plan', () => {
  // gemv with a ragged K chunk is covered by q4_0 K = 96 (XC 96 = the whole row; 2 chunks for M = 1 need K > 2048)
  const traffic: Array<[string, Record<string, unknown>, MatmulGgufVariant]> = [
    ['q6_k', { M: 2, N: 9, K: 512, format: 'q6_k' }, 'gemv'],
    ['q4_0', { M: 1, N: 5, K: 2112, format: 'q4_0' }, 'gemv'], // XC 2048 + a 64-value tail chunk
    ['q4_k', { M: 17, N: 18, K: 256, format: 'q4_k', ...SMALL }, 'tiled'],
    ['q5_k', { M: 3, N: 5, K: 256, format: 'q5_k', ...SMALL }, 'tiled'],
    ['q4_0', { M: 4, N: 3, K: 96, format: 'q4_0', ...SMALL }, 'tiled'],
    ['q5_0', { M: 1, N: 7, K: 96, format: 'q5_0' }, 'gemv'], // 22-byte blocks, rows at alternating alignment
    ['q8_0', { M: 1, N: 7, K: 96, format: 'q8_0' }, 'gemv'], // 34-byte blocks: 36 B read per block
    ['q3_k', { M: 1, N: 5, K: 768, format: 'q3_k' }, 'gemv'], // 110-byte blocks, 3 a row (odd): rows at alternating alignment, 112 B read per block
    ['q3_k', { M: 17, N: 18, K: 256, format: 'q3_k', ...SMALL }, 'tiled'],
    ['q2_k', { M: 2, N: 9, K: 512, format: 'q2_k' }, 'gemv'], // 84-byte blocks: 21 words, word-aligned
    ['iq4_nl', { M: 1, N: 7, K: 96, format: 'iq4_nl' }, 'gemv'], // 18-byte blocks: 20 B read per block
    ['iq4_xs', { M: 17, N: 18, K: 256, format: 'iq4_xs', ...SMALL }, 'tiled'], // 136-byte blocks, 34 words
    ['f16', { M: 2, N: 9, K: 64, format: 'f16' }, 'gemv'], // 2 bytes per weight: 64-byte pieces, 16 words each
    ['bf16', { M: 17, N: 18, K: 96, format: 'bf16', ...SMALL }, 'tiled'], // ragged tiles, three pieces per row
  ];
  for (const [name, params, v] of traffic) {
    it(`${name} ${v} ${JSON.stringify(params)}`, async () => {
      await expectTrafficMatchesPlan(matmulGguf, planOf(params, v));
    });
  }
});

// An edited copy of a shader (the editor, --wgsl) may keep its include line: it resolves against the same
// shaders/include/ files; a bad one is a compile error on its line, before anything compiles.
describe('matmul-gguf: an edited shader with the include directive', () => {
  const raw = readFileSync(new URL('../../shaders/matmul_gguf_gemv.wgsl', import.meta.url), 'utf8');
  const plan = planOf({ M: 1, N: 9, K: 32, format: 'q4_0' }, 'gemv');
  it('runs as the bundled shader does', async () => {
    const res = await checkPlan(await gpu(), matmulGguf, plan, { seed: 3, shaderOverrides: { matmul_gguf_gemv: raw } });
    for (const c of res.comparisons) expect(c.ok, c.summary).toBe(true);
  });
  it('reports a missing include file as a compile error on its line', async () => {
    // The message lists the include files there are: the folder's listing, sorted.
    const includeFiles = readdirSync(new URL('../../shaders/include/', import.meta.url)).filter((f) => f.endsWith('.wgsl')).sort().join(', ');
    const bad = raw.replace('// #include "ggml_dequant.wgsl"', '// #include "ggml_dequant_v2.wgsl"');
    const line = bad.split('\n').indexOf('// #include "ggml_dequant_v2.wgsl"') + 1;
    const err = await checkPlan(await gpu(), matmulGguf, plan, { shaderOverrides: { matmul_gguf_gemv: bad } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    expect((err as ShaderCompileError).messages).toEqual([
      { line, column: 1, message: `matmul_gguf_gemv.wgsl line ${line}: #include "ggml_dequant_v2.wgsl": no such file in shaders/include/; there: ${includeFiles}` },
    ]);
  });
});

describe('matmul-gguf: validation and shape rule (no GPU)', () => {
  it('refuses K that is not whole blocks, and unknown formats, in one line', () => {
    expect(() => matmulGguf.validate({ K: 300, format: 'q4_k' })).toThrow(new KernelInputError('K must be a multiple of 256 (one Q4_K block), got 300'));
    expect(() => matmulGguf.validate({ format: 'iq2_xxs' })).toThrow('format must be one of q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, q3_k, q2_k, iq4_nl, iq4_xs, q8_0, f16, bf16, got "iq2_xxs"');
    expect(() => matmulGguf.validate({ N: 40, dh: 16 })).toThrow('dh must be 0 (row-major Y) or divide N = 40 (head-major Y [N/dh, M, dh]), got 16');
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
  it('plans 2 bytes per weight for f16 / bf16 (half of f32), and refuses K that is not whole 32-value pieces', () => {
    for (const format of ['f16', 'bf16']) {
      const plan = planOf({ M: 1, N: 8, K: 512, format }, 'gemv');
      expect(stepTotals(plan.passes[0].tiles[0].steps).loadByTensor.W).toBe(8 * 512 * 2);
      expect(plan.tensors.find((t) => t.name === 'W')?.bytes).toBe(8 * 512 * 2);
    }
    expect(() => matmulGguf.validate({ K: 48, format: 'bf16' })).toThrow(new KernelInputError('K must be a multiple of 32 (one BF16 block), got 48'));
  });
});

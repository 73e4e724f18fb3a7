// The element-wise kernels of a transformer block (embed, norms, RoPE, SwiGLU, GELU, residual add,
// sampling) on real WebGPU against their CPU references, and their instrumented traffic against
// the plan, workgroup by workgroup.
import { describe, expect, it } from 'vitest';
import { randomF32, type KernelDef } from '../../src/kernels/kernel.ts';
import { embed, gelu, residualAdd, siluMul } from '../../src/kernels/elementwise.ts';
import { layernorm, rmsnorm } from '../../src/kernels/norm.ts';
import { rope } from '../../src/kernels/rope.ts';
import { sampleTopK } from '../../src/kernels/sample.ts';
import { attentionDecode } from '../../src/kernels/attention.ts';
import { expectMatchesReference, expectTrafficMatchesPlan } from './harness.ts';

const cases: Array<{ def: KernelDef; params: Record<string, unknown>; note: string }> = [
  { def: embed, params: { M: 5, D: 70, V: 33 }, note: 'Llama: no positions; D not a multiple of the workgroup' },
  { def: embed, params: { M: 3, D: 64, V: 20, positions: 16, pos0: 9 }, note: 'GPT-2: position rows at an offset (a decode step)' },
  { def: embed, params: { M: 9, D: 70, V: 11, vocab: 40, v0: 12 }, note: 'a part of a split vocabulary: ids in the part written, the others kept (zero)' },
  { def: embed, params: { M: 6, D: 8, V: 30, vocab: 50, v0: 20, positions: 8, pos0: 2 }, note: 'the last part of a split GPT-2 vocabulary, with positions' },
  // 16-bit embeddings as a file stores them (two values per u32 word): each format's decode, positions and split parts
  { def: embed, params: { M: 5, D: 70, V: 33, format: 'f16' }, note: 'f16 as stored: 35 words a row, fewer than the workgroup' },
  { def: embed, params: { M: 4, D: 200, V: 9, format: 'bf16' }, note: 'bf16 as stored: 100 words a row, more than the workgroup (a second pass)' },
  { def: embed, params: { M: 9, D: 70, V: 11, vocab: 40, v0: 12, format: 'bf16' }, note: 'a bf16 part of a split vocabulary: ids outside the part kept' },
  { def: embed, params: { M: 6, D: 8, V: 30, vocab: 50, v0: 20, positions: 8, pos0: 2, format: 'f16' }, note: 'an f16 part with GPT-2 positions added in f32' },
  // ggml blocks as a GGUF file stores them (a row = whole blocks; rows back to back, so a row of 2 mod 4 bytes starts
  // every other row at byte 2 of a word): each format decoded against ggml's dequantize_row_* (ggml-quants.ts)
  { def: embed, params: { M: 5, D: 96, V: 7, format: 'q4_0' }, note: 'Q4_0: 3 blocks of 18 B a row (54 B: odd rows start mid-word)' },
  { def: embed, params: { M: 3, D: 2240, V: 3, format: 'q4_0' }, note: 'Q4_0: 70 blocks a row, more than the workgroup (a second pass)' },
  { def: embed, params: { M: 4, D: 64, V: 9, format: 'q4_1' }, note: 'Q4_1: 2 blocks of 20 B, d and m' },
  { def: embed, params: { M: 4, D: 64, V: 9, format: 'q5_0' }, note: 'Q5_0: 22 B blocks (2 mod 4), fifth bits' },
  { def: embed, params: { M: 4, D: 96, V: 5, format: 'q5_1' }, note: 'Q5_1: 24 B blocks' },
  { def: embed, params: { M: 5, D: 256, V: 6, format: 'q4_k' }, note: 'Q4_K: one 144 B super-block a row, 8 pieces' },
  { def: embed, params: { M: 3, D: 512, V: 4, format: 'q5_k', positions: 6, pos0: 2 }, note: 'Q5_K with GPT-2 positions added in f32' },
  { def: embed, params: { M: 7, D: 256, V: 5, vocab: 12, v0: 4, format: 'q6_k' }, note: 'Q6_K (210 B: rows start mid-word) as a part of a split vocabulary' },
  { def: embed, params: { M: 5, D: 96, V: 7, format: 'q8_0' }, note: 'Q8_0: 3 blocks of 34 B a row (102 B: odd rows start mid-word)' },
  { def: embed, params: { M: 5, D: 256, V: 7, format: 'q3_k' }, note: 'Q3_K: one 110 B super-block a row (odd rows start mid-word), 8 pieces' },
  { def: embed, params: { M: 4, D: 512, V: 5, vocab: 9, v0: 2, format: 'q2_k' }, note: 'Q2_K: two 84 B super-blocks a row, a part of a split vocabulary' },
  { def: embed, params: { M: 5, D: 96, V: 7, format: 'iq4_nl' }, note: 'IQ4_NL: 3 blocks of 18 B a row (54 B: odd rows start mid-word)' },
  { def: embed, params: { M: 3, D: 256, V: 4, format: 'iq4_xs', positions: 5, pos0: 1 }, note: 'IQ4_XS: one 136 B super-block a row, with GPT-2 positions' },
  // Gemma 3: the gathered rows times sqrt(D) (exact in f32, as the reference multiplies)
  { def: embed, params: { M: 5, D: 70, V: 33, scale: Math.fround(Math.sqrt(70)) }, note: 'Gemma 3: rows times sqrt(D)' },
  { def: embed, params: { M: 9, D: 64, V: 11, vocab: 40, v0: 12, format: 'q8_0', scale: 8 }, note: 'Gemma 3 scale on a Q8_0 part of a split vocabulary: ids outside the part kept unscaled' },
  { def: rmsnorm, params: { M: 3, D: 100 }, note: 'ragged D' },
  { def: rmsnorm, params: { M: 1, D: 64, rows: 7, r0: 6 }, note: 'only the last row of a prefill (the final norm)' },
  { def: layernorm, params: { M: 4, D: 130, eps: 1e-5 }, note: 'ragged D, mean far from 0' },
  { def: layernorm, params: { M: 1, D: 32, rows: 5, r0: 2 }, note: 'one row from the middle' },
  { def: rope, params: { H: 3, M: 5, dh: 16 }, note: 'prefill: Q/K in place of size' },
  { def: rope, params: { H: 2, M: 1, dh: 32, C: 12, pos0: 7, out0: 7, positions: 12 }, note: 'decode: K of one token into a KV cache at position 7' },
  { def: rope, params: { H: 4, M: 1, dh: 16, pos0: 9, positions: 10 }, note: 'decode: Q of the token at position 9 to row 0' },
  { def: rope, params: { H: 2, M: 4, dh: 8, C: 9, pos0: 3, out0: 3, rotate: false }, note: 'copy (V into the cache), no rotation' },
  { def: siluMul, params: { M: 3, F: 100 }, note: 'ragged F' },
  { def: siluMul, params: { M: 3, F: 100, act: 'gelu' }, note: 'GeGLU (Gemma 3): gelu(gate)·up, tanh approximation, ragged F' },
  { def: gelu, params: { M: 2, F: 130 }, note: 'ragged F, with bias' },
  { def: residualAdd, params: { M: 3, D: 70 }, note: 'Llama: no bias' },
  { def: residualAdd, params: { M: 2, D: 64, bias: true }, note: 'GPT-2: projection bias folded in' },
  { def: attentionDecode, params: { L: 23, capacity: 40, Hq: 4, Hkv: 2, dh: 16, split: 8 }, note: 'decode over the first 23 keys of a 40-key cache (the decode loop allocates its cache once)' },
  { def: sampleTopK, params: { V: 300, k: 1, temperature: 0 }, note: 'greedy' },
  { def: sampleTopK, params: { V: 1000, k: 8, temperature: 0.7, u: 0.37 }, note: 'top-8 at T=0.7, ties in the logits' },
  { def: sampleTopK, params: { V: 77, k: 64, temperature: 1.5, u: 0.9 }, note: 'the largest k, V not a multiple of the workgroup' },
  // k above V (kernel-holdout): the arg-max rounds past the V-th found nothing and wrote 0xffffffff as candidates and token
  { def: sampleTopK, params: { V: 5, k: 64, temperature: 1, u: 0.99 }, note: 'k above V: top-5 of 5 logits' },
];

describe('transformer element-wise kernels match their CPU references', () => {
  for (const c of cases) {
    it(`${c.def.name} ${JSON.stringify(c.params)}: ${c.note}`, async () => {
      await expectMatchesReference(c.def, c.def.plan(c.def.validate(c.params), c.def.defaultVariant), 3);
    });
  }
});

describe('layernorm: rows far from zero with a small spread', () => {
  // kernel-holdout: mean 100, std 0.01, |w| up to 1e3: the f32 mean's rounding (an ulp of 100 is 1e-3 of the std)
  // moved every output by up to 0.85 (0.3 %); the shifted mean (x − x0) keeps it at f32 rounding of the output.
  it('matches the f64 reference within the stated tolerance', async () => {
    const M = 2, D = 1000;
    const plan = layernorm.plan(layernorm.validate({ M, D }), 'default');
    const X = randomF32(M * D, 5, 0.01).map((v) => v + 100);
    const w = randomF32(D, 6, 1000);
    await expectMatchesReference(layernorm, plan, 1, { X, w, b: new Float32Array(D) });
  });
});

// RMSNorm summed x² in f32: past |x| ≈ 1.8e19 / sqrt(D) the sum overflowed to Infinity and every output came back 0
// (LayerNorm's (x − mean)² the same, and its x − x0 overflows for |x| near the f32 maximum). Both now scale the row by
// a power of two near its largest |x| before squaring; the expected values here are hand-derived, beside the f64 reference.
describe('norms: rows whose squares overflow f32', () => {
  const big = (n: number, seed: number, scale: number) => randomF32(n, seed, scale);
  for (const [scale, note] of [[1e25, 'x ~ 1e25, x² ~ 1e50'], [3e38, 'x up to 3e38, the f32 maximum']] as const) {
    it(`rmsnorm and layernorm match the f64 reference at ${note}`, async () => {
      const M = 3, D = 100;
      const rms = rmsnorm.plan(rmsnorm.validate({ M, D }), 'default');
      await expectMatchesReference(rmsnorm, rms, 1, { X: big(M * D, 7, scale), w: randomF32(D, 8, 0.5).map((v) => v + 1) });
      const ln = layernorm.plan(layernorm.validate({ M, D }), 'default');
      await expectMatchesReference(layernorm, ln, 1, { X: big(M * D, 9, scale), w: randomF32(D, 10, 0.5).map((v) => v + 1), b: randomF32(D, 11) });
    });
  }
  it('hand-derived rows: [3, 4]·s / (5·s / sqrt 2) at s = 1e30 and 1e-30 (eps 0), and LayerNorm of [−3e38, 3e38]', async () => {
    for (const s of [1e30, 1e-30]) {
      const plan = rmsnorm.plan(rmsnorm.validate({ M: 1, D: 2, eps: 0 }), 'default');
      const { outputs } = await expectMatchesReference(rmsnorm, plan, 1, { X: Float32Array.of(3 * s, 4 * s), w: Float32Array.of(1, 2) });
      expect([...(outputs.Y as Float32Array)].map((v) => +v.toFixed(5)), `s = ${s}`).toEqual([0.84853, 2.26274]);
    }
    const plan = layernorm.plan(layernorm.validate({ M: 1, D: 2 }), 'default');
    const { outputs } = await expectMatchesReference(layernorm, plan, 1, { X: Float32Array.of(-3e38, 3e38), w: Float32Array.of(1, 1), b: Float32Array.of(0, 0) });
    expect([...(outputs.Y as Float32Array)]).toEqual([-1, 1]);
  });
});

describe('sample: k above the vocabulary', () => {
  it('keeps at most V candidates: V = 1 is token 0 whatever k; V = 3 ranks all three', async () => {
    const one = sampleTopK.plan(sampleTopK.validate({ V: 1, k: 40, temperature: 1, u: 0.99 }), 'default');
    const { outputs: o1 } = await expectMatchesReference(sampleTopK, one, 1, { logits: Float32Array.of(-2.5) });
    expect(Array.from(o1.out)).toEqual([0, 0]);
    const three = sampleTopK.plan(sampleTopK.validate({ V: 3, k: 64, temperature: 1, u: 0 }), 'default');
    const { outputs: o3 } = await expectMatchesReference(sampleTopK, three, 1, { logits: Float32Array.of(1, 3, 2) });
    // u = 0: the first candidate (the largest logit, index 1) is drawn; then 2 and 0 by value
    expect(Array.from(o3.out)).toEqual([1, 1, 2, 0]);
  });
});

describe('transformer element-wise kernels: instrumented traffic equals the plan', () => {
  for (const c of cases) {
    it(`${c.def.name} ${JSON.stringify(c.params)}`, async () => {
      await expectTrafficMatchesPlan(c.def, c.def.plan(c.def.validate(c.params), c.def.defaultVariant), 4);
    });
  }
});

// f16 and bf16 models run with their linear weights kept 16-bit on the GPU as the file stores them (matmul-gguf
// formats f16 / bf16: 2 bytes per weight, widened in the shader, f32 accumulation, no shader-f16), their token
// embedding too (the embed kernel's format f16 / bf16; a tied LM head reads that table, no buffer of its own), and match
// the CPU reference forward pass (src/llm/reference.ts, which widens the same 16-bit values exactly and accumulates in
// f64): logits after a tiled prefill and gemv decode steps, greedy tokens. The weight buffers are measured against the
// --f32-weights path: the linears and the embedding take exactly half the bytes, a tied head none (f32: 4 a weight).
import { describe, it, expect, vi } from 'vitest';
import { GREEDY, expectLogitsFollowCpu, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { generateCpu, generateGpu } from '../../src/llm/generate.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_GPT2, TINY_LLAMA, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { dequantizeFormat } from '../../src/kernels/matmul-gguf.ts';

// The one 16-bit widening (the loader's, the reference's) counted: its calls pass through to the real decoder.
vi.mock('../../src/kernels/matmul-gguf.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/kernels/matmul-gguf.ts')>();
  return { ...m, dequantizeFormat: vi.fn(m.dequantizeFormat) };
});

// 12 tokens in one 16-token chunk: the prefill runs the tiled kernel (M > 8), decode steps the gemv
const PROMPT = [17, 4, 250, 99, 3, 120, 7, 61, 200, 33, 150, 2];
// The f32 model tests' tolerance (test/gpu/llm-model.test.ts): the GPU's weights equal the reference's bit for
// bit (exact widening), so only f32 accumulation separates them.
const TOL = { atol: 2e-3, rtol: 1e-3 };
// Sampling with seeded draws, so a tied model's tokens depend on more than the argmax: a random tied model's current
// token leads its own logits by ~12 (24.0 vs 12.1 for seed 33's prompt, CPU reference), which temperature 8 spreads.
const SAMPLED = { temperature: 8, topK: 64, seed: 7 };

// Why each case: bf16 from safetensors (Hugging Face names, q|k|v and gate|up stacked on load; an untied LM head
// of 297 rows, not a multiple of the 8-column gemv group); f16 from GGUF (llama.cpp's permuted q/k rows put back
// while packed) with a 32 KiB binding limit, so the LM head (128 B a column in f16) runs as two vocabulary parts
// (256 + 41 rows), and so does the f16 embedding (128 B a row: 256 + 41 rows).
// GPT-2 from GGUF: o, up and down kept 16-bit beside the biases they add, its QKV (biased) f32; its tied head reads the
// f16 embedding. Tied Llamas (Qwen2, Gemma, many GGUFs): bf16 GGUF whole; f16 safetensors with the 32 KiB binding, so
// the embedding's 2 parts (256 + 41 rows) are the head's 2 parts, each head part binding one embedding part.
// TINY_LLAMA's and TINY_GPT2's K are 64, 96 and 128: whole 32-value pieces.
const LLAMA_OPS = ['qkv', 'qkv-k', 'qkv-v', 'o-proj', 'ffn-up', 'ffn-down'];
const cases: Array<{ name: string; spec: TestModelSpec; files: (s: TestModelSpec) => ReturnType<typeof bytesSource>[]; maxBindingBytes?: number; headParts: number; embedParts: number; layerOps: string[] }> = [
  {
    name: 'llama bf16 safetensors', spec: { ...TINY_LLAMA, dtype: 'bf16', seed: 31 }, headParts: 1, embedParts: 1, layerOps: LLAMA_OPS,
    files: (s) => Object.entries(writeSafetensorsModel(s)).map(([n, b]) => bytesSource(n, b)),
  },
  { name: 'llama f16 gguf', spec: { ...TINY_LLAMA, dtype: 'f16', seed: 32 }, headParts: 2, embedParts: 2, layerOps: LLAMA_OPS, maxBindingBytes: 32768, files: (s) => [bytesSource('m.gguf', writeGgufModel(s))] },
  { name: 'gpt2 f16 gguf', spec: { ...TINY_GPT2, dtype: 'f16' }, headParts: 1, embedParts: 1, layerOps: ['o-proj', 'ffn-up', 'ffn-down'], files: (s) => [bytesSource('g.gguf', writeGgufModel(s))] },
  { name: 'llama bf16 gguf, tied', spec: { ...TINY_LLAMA, dtype: 'bf16', tied: true, seed: 33 }, headParts: 1, embedParts: 1, layerOps: LLAMA_OPS, files: (s) => [bytesSource('t.gguf', writeGgufModel(s))] },
  {
    name: 'llama f16 safetensors, tied', spec: { ...TINY_LLAMA, dtype: 'f16', tied: true, seed: 34 }, headParts: 2, embedParts: 2, layerOps: LLAMA_OPS, maxBindingBytes: 32768,
    files: (s) => Object.entries(writeSafetensorsModel(s)).map(([n, b]) => bytesSource(n, b)),
  },
];

describe('16-bit weights kept as stored on the GPU', () => {
  for (const c of cases)
    it(`${c.name}: matmul-gguf ${c.spec.dtype} ops; logits after prefill and 2 decode steps and greedy tokens match the reference; linear and embedding bytes half of f32`, { timeout: 300_000 }, async () => {
      const ctx = await gpu();
      const om = await openModel(c.files(c.spec));
      const fmt = c.spec.dtype;
      const opts = { int8: false, capacity: 32, chunk: 16, maxBindingBytes: c.maxBindingBytes };
      const model = await GpuModel.load(ctx, om, opts);
      let tokens: number[] = [], sampled: number[] = [];
      try {
        // every linear (q, k, v, o, gate|up, down, each LM head part) runs through matmul-gguf in the file's format
        const tied = om.config.tiedEmbeddings;
        const heads = c.headParts === 1 ? ['lm-head'] : Array.from({ length: c.headParts }, (_, i) => `lm-head.p${i}`);
        const ids = (ops: ReturnType<typeof model.ops>) => ops.filter((o) => o.plan.kernel === 'matmul-gguf').map((o) => `${o.id}:${o.plan.variant}:${o.plan.params.format}`);
        const layer = (l: number, v: string) => c.layerOps.map((n) => `L${l}.${n}:${v}:${fmt}`);
        expect(ids(model.ops('prefill', PROMPT.length, 0))).toEqual([...layer(0, 'tiled'), ...layer(1, 'tiled'), ...heads.map((h) => `${h}:gemv:${fmt}`)]);
        expect(ids(model.ops('decode', 1, 12))).toEqual([...layer(0, 'gemv'), ...layer(1, 'gemv'), ...heads.map((h) => `${h}:gemv:${fmt}`)]);
        expect(model.weightFormat).toBe(`${fmt} -> ${fmt} as stored, the embedding ${fmt} too${tied ? ', read by the tied LM head' : ''} (the rest f32)`);
        // the embedding gathers from the 16-bit table, one op per binding-sized part
        const embeds = model.ops('decode', 1, 12).filter((o) => o.family === 'embed');
        expect(embeds.map((o) => `${o.id}:${o.plan.params.format}`)).toEqual(c.embedParts === 1 ? [`embed:${fmt}`] : Array.from({ length: c.embedParts }, (_, i) => `embed.p${i}:${fmt}`));
        // a tied head's parts read the embedding's buffers (part i: embedding part i here); an untied one its own
        const headW = model.ops('decode', 1, 12).filter((o) => o.family === 'lm-head').map((o) => o.bind.W);
        expect(headW).toEqual(tied ? embeds.map((o) => o.bind.E) : heads.map((h) => `${h === 'lm-head' ? 'lmHead' : h.replace('lm-head', 'lmHead')}.gguf0`));
        if (tied) expect(model.bufferBytes(/^lmHead/)).toBe(0);

        const cpu = new CpuModel(om.config, await loadAllWeights(om), 32);
        await expectLogitsFollowCpu(model, cpu, PROMPT, 2, TOL);
        const g = await generateGpu(model, PROMPT, { maxTokens: 6, sampling: GREEDY });
        const r = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), PROMPT, { maxTokens: 6, sampling: GREEDY });
        expect(g.tokens).toEqual(r.tokens);
        // the tiny random GPT-2 and the tied Llamas repeat one token greedily (as in f32: a tied model's current token's
        // own embedding row dominates its logit); their logits above, and the sampled runs below, carry the comparison
        if (!tied) expect(new Set(g.tokens).size).toBeGreaterThan(1);
        tokens = g.tokens;
        if (tied) sampled = (await generateGpu(model, PROMPT, { maxTokens: 6, sampling: SAMPLED })).tokens;
      } finally {
        model.destroy();
      }

      // --f32-weights: the same model widened; the weight buffers differ by exactly 2 bytes per linear and
      // embedding weight (the norms, biases and GPT-2's positions are f32 in both): the 16-bit bytes are half the f32
      // bytes; a tied head has 4 bytes a weight widened (its own buffer, as before) and none kept 16-bit. Both at the
      // device's binding limit (the widened linears outgrow 32 KiB), one embedding buffer each.
      const whole = { ...opts, maxBindingBytes: undefined };
      const wide = await GpuModel.load(ctx, om, { ...whole, f32Weights: true });
      const packed = await GpuModel.load(ctx, om, whole);
      try {
        expect(wide.weightFormat).toBe(`${fmt} -> f32`);
        expect(wide.ops('decode', 1, 12).filter((o) => o.plan.kernel === 'matmul-gguf')).toEqual([]);
        const s = c.spec, D = s.dim, Nqkv = (s.nHeads + 2 * s.nKvHeads) * s.headDim, Nq = s.nHeads * s.headDim, F = s.ffnDim, V = om.config.vocabSize;
        const layerLinears = s.arch === 'llama' ? s.nLayers * (Nqkv * D + D * Nq + 2 * F * D + D * F) : s.nLayers * (D * D + 2 * F * D);
        const tied = om.config.tiedEmbeddings;
        expect(wide.weightBytes - packed.weightBytes).toBe(2 * (layerLinears + V * D) + (tied ? 4 * V * D : 2 * V * D));
        // the embedding's GPU buffer: 2 bytes a value as stored, 4 widened; the head's: none tied (it reads the embedding), else 2 and 4
        expect(wide.bufferBytes(/^tokEmb$/)).toBe(4 * V * D);
        expect(packed.bufferBytes(/^tokEmb$/)).toBe(2 * V * D);
        expect(wide.bufferBytes(/^lmHead/)).toBe(4 * V * D);
        expect(packed.bufferBytes(/^lmHead/)).toBe(tied ? 0 : 2 * V * D);
        // the old all-f32 path generates the same greedy tokens, and the same sampled ones (the same draws), which vary
        if (tied) {
          expect((await generateGpu(wide, PROMPT, { maxTokens: 6, sampling: GREEDY })).tokens).toEqual(tokens);
          expect((await generateGpu(wide, PROMPT, { maxTokens: 6, sampling: SAMPLED })).tokens).toEqual(sampled);
          expect(new Set(sampled).size).toBeGreaterThan(1);
        }
      } finally {
        wide.destroy();
        packed.destroy();
      }
    });

  // int8 quantizes the linears only: the 16-bit embedding stays as stored, and since its gather is exact, the run
  // equals int8 with --f32-weights (the same int8 linears, an f32 table) bit for bit: logits and greedy tokens.
  it('llama bf16 safetensors with int8: the embedding stays bf16; logits and tokens equal int8 with an f32 embedding', { timeout: 300_000 }, async () => {
    const ctx = await gpu();
    const c = cases[0];
    const om = await openModel(c.files(c.spec));
    const opts = { int8: true, capacity: 32, chunk: 16 };
    const run = async (f32Weights: boolean) => {
      const m = await GpuModel.load(ctx, om, { ...opts, f32Weights });
      try {
        const embeds = m.ops('decode', 1, 12).filter((o) => o.family === 'embed').map((o) => o.plan.params.format);
        const g = await generateGpu(m, PROMPT, { maxTokens: 4, sampling: GREEDY });
        return { label: m.weightFormat, embeds, embedBytes: m.bufferBytes(/^tokEmb$/), tokens: g.tokens, logits: await m.logits() };
      } finally {
        m.destroy();
      }
    };
    const half = await run(false), wide = await run(true);
    const V = om.config.vocabSize, D = om.config.dim;
    expect([half.label, half.embeds, half.embedBytes]).toEqual(['bf16 -> int8, the embedding bf16 as stored', ['bf16'], 2 * V * D]);
    expect([wide.label, wide.embeds, wide.embedBytes]).toEqual(['bf16 -> int8', ['f32'], 4 * V * D]);
    expect(half.tokens).toEqual(wide.tokens);
    expect(half.logits).toEqual(wide.logits);
  });

  // A tied head read from the stored table needs no f32 copy on the host either: loading widens no [V, D] table
  // (it did: the head was the widened embedding); the CPU reference, asked, widens it once, and so does --f32-weights.
  it('a tied bf16 model loads onto the GPU without widening its embedding on the host; the reference and --f32-weights do', { timeout: 300_000 }, async () => {
    const ctx = await gpu();
    const om = await openModel([bytesSource('t.gguf', writeGgufModel({ ...TINY_LLAMA, dtype: 'bf16', tied: true, seed: 33 }))]);
    const VD = om.config.vocabSize * om.config.dim;
    const widenings = () => vi.mocked(dequantizeFormat).mock.calls.filter(([, , n]) => n === VD).length;
    vi.mocked(dequantizeFormat).mockClear();
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 32, chunk: 16 });
    model.destroy();
    expect(widenings()).toBe(0);
    new CpuModel(om.config, await loadAllWeights(om), 32).forward(PROMPT);
    expect(widenings()).toBe(1);
    const wide = await GpuModel.load(ctx, om, { int8: false, capacity: 32, chunk: 16, f32Weights: true });
    wide.destroy();
    expect(widenings()).toBe(2);
  });
});

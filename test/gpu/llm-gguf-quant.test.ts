// A Llama-style model written as a Q4_K_M GGUF (llama.cpp's type choice: Q4_K, with Q6_K for the LM head and
// for attn_v / ffn_down of the layers llama.cpp gives more bits; token_embd Q4_K) runs with its blocks kept
// as stored (matmul-gguf) and matches the CPU reference forward pass, which decodes the same blocks exactly as
// ggml (src/kernels/ggml-quants.ts) and accumulates in f64: logits after a tiled prefill and decode steps,
// greedy tokens. Its Q4_K token_embd is gathered as stored (the embed kernel's format q4_k), and a tied LM head over a
// quantized token_embd (Qwen2.5's small GGUFs: Q8_0 / Q6_K / Q4_K tables, no output.weight) reads that same table through
// matmul-gguf: the buffers read back from the GPU are the stored bytes, no head buffer. (The kernels' instrumented traffic is checked in test/gpu/matmul-gguf.test.ts; an instrumented
// model step here would compile every pipeline a second time, minutes on SwiftShader.)
import { describe, it, expect } from 'vitest';
import { GREEDY, expectLogitsFollowCpu, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { generateCpu, generateGpu } from '../../src/llm/generate.ts';
import { ggufMixDtype, writeGgufModel, TINY_LLAMA, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { ggufWeightBytes, type GgufFormat } from '../../src/kernels/matmul-gguf.ts';
import { readGguf } from '../../src/llm/gguf.ts';

// 12 tokens in one 16-token chunk: the prefill runs the tiled kernel (M > 8), decode steps the gemv
const PROMPT = [17, 4, 250, 99, 3, 120, 7, 61, 200, 33, 150, 2];
// K-quant rows are 256 values: dim and ffn a multiple of 256. 2 layers: layer 1 is a "more bits" layer (Q6_K V and down).
const SPEC: TestModelSpec = { ...TINY_LLAMA, dim: 256, ffnDim: 256, nHeads: 4, nKvHeads: 2, headDim: 64, mix: 'q4_k_m', seed: 21 };
// The same f32 tolerance as the f32 model tests (test/gpu/llm-model.test.ts): the weights the GPU decodes equal
// the reference's bit for bit, so only f32 accumulation separates them.
const TOL = { atol: 2e-3, rtol: 1e-3 };

describe('GGUF Q4_K_M (Q4_K + Q6_K blocks) on the GPU as stored', () => {
  it('writes llama.cpp\'s Q4_K_M type choice (use_more_bits layers get Q6_K V and down)', () => {
    expect(['blk.0.attn_v.weight', 'blk.1.attn_v.weight', 'blk.0.ffn_down.weight', 'blk.1.ffn_down.weight', 'output.weight', 'token_embd.weight', 'blk.0.attn_q.weight'].map((n) => ggufMixDtype(n, 2)))
      .toEqual(['q4_k', 'q6_k', 'q4_k', 'q6_k', 'q6_k', 'q4_k', 'q4_k']);
  });

  // SwiftShader compiles the decoders slowly (~5 s a pipeline): ~80 s here, hence the longer timeout.
  it('logits after a tiled prefill and 3 gemv decode steps match the reference; greedy tokens equal', { timeout: 300_000 }, async () => {
    const ctx = await gpu();
    const om = await openModel([bytesSource('m.gguf', writeGgufModel(SPEC))]);
    expect(om.weightDtype).toBe('q4_k+q6_k');
    const V = om.config.vocabSize, D = om.config.dim;
    const cpu = new CpuModel(om.config, await loadAllWeights(om), 32);
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 32, chunk: 16 });
    try {
      // the layers' linears and the LM head run through matmul-gguf in their file formats
      const pre = model.ops('prefill', PROMPT.length, 0);
      const gguf = (ops: typeof pre) => ops.filter((o) => o.plan.kernel === 'matmul-gguf').map((o) => `${o.id}:${o.plan.variant}:${o.plan.params.format}`);
      expect(gguf(pre)).toEqual([
        'L0.qkv:tiled:q4_k', 'L0.qkv-k:tiled:q4_k', 'L0.qkv-v:tiled:q4_k', 'L0.o-proj:tiled:q4_k', 'L0.ffn-up:tiled:q4_k', 'L0.ffn-down:tiled:q4_k',
        'L1.qkv:tiled:q4_k', 'L1.qkv-k:tiled:q4_k', 'L1.qkv-v:tiled:q6_k', 'L1.o-proj:tiled:q4_k', 'L1.ffn-up:tiled:q4_k', 'L1.ffn-down:tiled:q6_k',
        'lm-head:gemv:q6_k',
      ]);
      const dec = gguf(model.ops('decode', 1, 12));
      expect(dec.length).toBe(13);
      expect(dec.filter((s) => !s.includes(':gemv:'))).toEqual([]);
      // the Q4_K token_embd is gathered as stored: 144 B per 256 values on the GPU (f32 would be 1024)
      expect(model.weightFormat).toBe('q4_k+q6_k -> q4_k+q6_k as stored, the embedding q4_k too (the rest f32)');
      expect(model.ops('decode', 1, 12).filter((o) => o.family === 'embed').map((o) => o.plan.params.format)).toEqual(['q4_k']);
      expect(model.bufferBytes(/^tokEmb/)).toBe((V * D * 144) / 256);

      await expectLogitsFollowCpu(model, cpu, PROMPT, 3, TOL);

      // greedy generation (a new prefill from position 0, pipelines already compiled): the same 8 tokens as the CPU loop
      const g = await generateGpu(model, PROMPT, { maxTokens: 8, sampling: GREEDY });
      const c = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), PROMPT, { maxTokens: 8, sampling: GREEDY });
      expect(g.tokens).toEqual(c.tokens);
      expect(new Set(g.tokens).size).toBeGreaterThan(1);
    } finally {
      model.destroy();
    }
  });
});

// A tied LM head over a quantized token_embd: f32 linears (fast pipelines on SwiftShader) around a stored table, so the
// embedding gather and the head are what differs from the f32 model. Why each case: Q4_0 (18 B blocks, rows of 36 B),
// 2,048 tokens with a 48 KiB binding (the f32 linears' largest buffer), so the table is 2 parts (1,344 + 704 rows: 1,365
// rows of 36 B fit, cut at whole head parts of 64-column multiples) and each head part binds one of them; Q6_K (210 B,
// rows start mid-word) whole, Qwen2.5's K-quant tables; Q5_1 (24 B) D 64, a 32-value format llama.cpp writes where
// rows are not whole 256-value blocks; Q8_0 (34 B), what Qwen2.5-0.5B's D 896 gets in place of Q6_K.
const TIED: Array<{ spec: TestModelSpec; maxBindingBytes?: number; partRows?: number[] }> = [
  { spec: { ...TINY_LLAMA, vocab: 2048, tied: true, embedDtype: 'q4_0', seed: 41 }, maxBindingBytes: 48 * 1024, partRows: [1344, 704] },
  { spec: { ...TINY_LLAMA, dim: 256, ffnDim: 256, nHeads: 4, nKvHeads: 2, headDim: 64, tied: true, embedDtype: 'q6_k', seed: 42 } },
  { spec: { ...TINY_LLAMA, tied: true, embedDtype: 'q5_1', seed: 43 } },
  { spec: { ...TINY_LLAMA, tied: true, embedDtype: 'q8_0', seed: 44 } },
];
// Sampling with seeded draws, as test/gpu/llm-half-weights.test.ts does for tied 16-bit tables: a random tied model
// repeats its token greedily, so the sampled tokens carry the comparison with --f32-weights (temperature 20: the D 256
// model's logits lead by more than the tiny one's).
const SAMPLED = { temperature: 20, topK: 64, seed: 7 };

describe('a tied LM head over a quantized token_embd reads the stored table', () => {
  for (const c of TIED) {
    const fmt = c.spec.embedDtype as GgufFormat;
    const parts = c.partRows?.length ?? 1;
    it(`${fmt} D ${c.spec.dim}, ${parts} part(s): the head runs matmul-gguf ${fmt} on the embedding's buffers; logits and tokens match the reference and --f32-weights; buffers are the stored bytes`, { timeout: 300_000 }, async () => {
      const ctx = await gpu();
      const om = await openModel([bytesSource('t.gguf', writeGgufModel(c.spec))]);
      const V = om.config.vocabSize, D = om.config.dim;
      expect([om.config.tiedEmbeddings, om.embedFormat]).toEqual([true, fmt]);
      const opts = { int8: false, capacity: 32, chunk: 16, maxBindingBytes: c.maxBindingBytes };
      const model = await GpuModel.load(ctx, om, opts);
      let greedy: number[] = [], sampled: number[] = [];
      try {
        expect(model.weightFormat).toBe(`f32 -> f32, the embedding ${fmt} as stored, read by the tied LM head`);
        const ops = model.ops('decode', 1, 12);
        const embeds = ops.filter((o) => o.family === 'embed');
        const heads = ops.filter((o) => o.family === 'lm-head');
        expect(embeds.map((o) => o.plan.params.format)).toEqual(Array(parts).fill(fmt));
        expect(heads.map((o) => `${o.plan.kernel}:${o.plan.params.format}`)).toEqual(Array(parts).fill(`matmul-gguf:${fmt}`));
        expect(heads.map((o) => o.bind.W)).toEqual(embeds.map((o) => o.bind.E));
        // the GPU's buffers: the table as the file stores it (each part a whole number of u32 words), no head buffer
        const rowBytes = ggufWeightBytes(fmt, 1, D).bytes;
        const partRows = c.partRows ?? [V];
        expect(model.bufferBytes(/^tokEmb/)).toBe(partRows.reduce((s, n) => s + Math.max(16, Math.ceil((n * rowBytes) / 16) * 16), 0));
        expect(partRows.reduce((s, n) => s + n, 0) * rowBytes).toBe(ggufWeightBytes(fmt, V, D).bytes);
        expect(model.bufferBytes(/^lmHead/)).toBe(0);

        const cpu = new CpuModel(om.config, await loadAllWeights(om), 32);
        await expectLogitsFollowCpu(model, cpu, PROMPT, 2, TOL);
        greedy = (await generateGpu(model, PROMPT, { maxTokens: 6, sampling: GREEDY })).tokens;
        const r = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), PROMPT, { maxTokens: 6, sampling: GREEDY });
        expect(greedy).toEqual(r.tokens);
        sampled = (await generateGpu(model, PROMPT, { maxTokens: 6, sampling: SAMPLED })).tokens;
      } finally {
        model.destroy();
      }
      // --f32-weights widens the table and gives the tied head its own f32 buffer again; the same tokens
      const wide = await GpuModel.load(ctx, om, { ...opts, maxBindingBytes: undefined, f32Weights: true });
      try {
        expect(wide.weightFormat).toBe('f32 -> f32');
        expect([wide.bufferBytes(/^tokEmb/), wide.bufferBytes(/^lmHead/)]).toEqual([4 * V * D, 4 * V * D]);
        expect((await generateGpu(wide, PROMPT, { maxTokens: 6, sampling: GREEDY })).tokens).toEqual(greedy);
        expect((await generateGpu(wide, PROMPT, { maxTokens: 6, sampling: SAMPLED })).tokens).toEqual(sampled);
        expect(new Set(sampled).size).toBeGreaterThan(1);
      } finally {
        wide.destroy();
      }
    });
  }

  // int8 quantizes the linears and a tied head (from the embedding's f32 values) as it does for a 16-bit table
  // (test/gpu/llm-half-weights.test.ts); the table itself stays as stored, and since the gather is exact the run equals
  // int8 with --f32-weights (an f32 table, the same int8 head) bit for bit: logits and greedy tokens.
  it('int8 with a tied Q4_0 table: the embedding stays q4_0, the head is int8; logits and tokens equal int8 with an f32 table', { timeout: 300_000 }, async () => {
    const ctx = await gpu();
    const om = await openModel([bytesSource('t.gguf', writeGgufModel(TIED[0].spec))]);
    const V = om.config.vocabSize, D = om.config.dim;
    const run = async (f32Weights: boolean) => {
      const m = await GpuModel.load(ctx, om, { int8: true, capacity: 32, chunk: 16, f32Weights });
      try {
        const ops = m.ops('decode', 1, 12);
        const embeds = ops.filter((o) => o.family === 'embed').map((o) => o.plan.params.format);
        const heads = ops.filter((o) => o.family === 'lm-head').map((o) => o.plan.kernel);
        const g = await generateGpu(m, PROMPT, { maxTokens: 4, sampling: GREEDY });
        return { label: m.weightFormat, embeds, heads, embedBytes: m.bufferBytes(/^tokEmb/), headQ: m.bufferBytes(/^lmHead.*\.q$/), tokens: g.tokens, logits: await m.logits() };
      } finally {
        m.destroy();
      }
    };
    const q = await run(false), wide = await run(true);
    expect([q.label, q.embeds, q.heads, q.embedBytes]).toEqual(['f32 -> int8, the embedding q4_0 as stored', ['q4_0'], ['matmul-int8'], ggufWeightBytes('q4_0', V, D).bytes]);
    expect([wide.label, wide.embeds, wide.heads, wide.embedBytes]).toEqual(['f32 -> int8', ['f32'], ['matmul-int8'], 4 * V * D]);
    expect(q.headQ).toBe(V * D);
    expect(wide.headQ).toBe(V * D);
    expect(q.tokens).toEqual(wide.tokens);
    expect(q.logits).toEqual(wide.logits);
  });
});

// A GGUF whose linears are Q8_0 (llama.cpp's `--outtype q8_0`; Llama-3-8B Q8_0 is 8.5 GB, ~30 GB widened to f32) keeps
// them as stored without int8: every linear runs matmul-gguf q8_0 over buffers holding the file's block bytes (34 B per
// 32 values), logits follow the CPU reference (which decodes the same blocks), and greedy tokens equal the CPU loop's and
// --f32-weights' (which widens them, the path before). int8 keeps using the blocks as matmul-int8's group-32 scales
// (test/gpu/llm-model.test.ts); here its label and buffers.
describe('GGUF Q8_0 linears stay as stored without int8', () => {
  it('matmul-gguf q8_0 on the file\'s block bytes; logits match the reference; greedy tokens equal the CPU and --f32-weights', { timeout: 300_000 }, async () => {
    const ctx = await gpu();
    const bytes = writeGgufModel({ ...TINY_LLAMA, dtype: 'q8_0', seed: 51 });
    const om = await openModel([bytesSource('q8.gguf', bytes)]);
    expect(om.weightDtype).toBe('q8_0');
    const file = await readGguf(bytesSource('q8.gguf', bytes));
    const raw = async (n: string) => {
      const t = file.tensors.find((x) => x.name === n)!;
      expect(t.dtype).toBe('q8_0');
      return new Uint8Array(await t.source.read(t.offset, t.bytes));
    };
    const c = om.config, D = c.dim, F = c.ffnDim, V = c.vocabSize, Nq = c.nHeads * c.headDim, Nkv = c.nKvHeads * c.headDim;
    const opts = { int8: false, capacity: 32, chunk: 16 };
    const model = await GpuModel.load(ctx, om, opts);
    let greedy: number[] = [];
    try {
      expect(model.weightFormat).toBe('q8_0 -> q8_0 as stored (the rest f32)');
      const lin = model.ops('decode', 1, 12).filter((o) => ['matmul', 'matmul-gguf', 'matmul-int8', 'qkv'].includes(o.plan.kernel));
      expect(lin.map((o) => `${o.plan.kernel}:${o.plan.params.format}`)).toEqual(Array(2 * 6 + 1).fill('matmul-gguf:q8_0'));
      // the buffers: the file's blocks (Q8_0: 34 B per 32 weights), no f32 linear buffers
      const q8Bytes = (N: number, K: number) => (N * K * 34) / 32;
      const read = async (name: string, n: number) => new Uint8Array(await model.readBuffer(name, n));
      for (const [buf, tensors] of [
        ['L0.wo.gguf0', ['blk.0.attn_output.weight']], ['L1.wDown.gguf0', ['blk.1.ffn_down.weight']],
        ['L0.wUp.gguf0', ['blk.0.ffn_gate.weight', 'blk.0.ffn_up.weight']], ['L1.wqkv.gguf2', ['blk.1.attn_v.weight']], ['lmHead.gguf0', ['output.weight']],
      ] as const) {
        const want = (await Promise.all(tensors.map(raw))).flatMap((b) => [...b]);
        expect([...(await read(buf, want.length))], buf).toEqual(want);
      }
      const perLayer = q8Bytes(Nq, D) + 2 * q8Bytes(Nkv, D) + q8Bytes(D, Nq) + q8Bytes(2 * F, D) + q8Bytes(D, F);
      const pad = (b: number) => Math.max(16, Math.ceil(b / 16) * 16);
      expect(model.bufferBytes(/^L\d+\.w(qkv|o|Up|Down)\.gguf\d$/)).toBe(c.nLayers * [q8Bytes(Nq, D), q8Bytes(Nkv, D), q8Bytes(Nkv, D), q8Bytes(D, Nq), q8Bytes(2 * F, D), q8Bytes(D, F)].reduce((s, b) => s + pad(b), 0));
      expect(c.nLayers * perLayer).toBe(2 * ((Nq + 2 * Nkv) * D + D * Nq + 3 * F * D) * 34 / 32);
      expect(model.bufferBytes(/^L\d+\.w(qkv|o|Up|Down)$/)).toBe(0);
      expect(model.bufferBytes(/^lmHead/)).toBe(pad(q8Bytes(V, D)));

      const cpu = new CpuModel(om.config, await loadAllWeights(om), 32);
      await expectLogitsFollowCpu(model, cpu, PROMPT, 2, TOL);
      greedy = (await generateGpu(model, PROMPT, { maxTokens: 6, sampling: GREEDY })).tokens;
      const r = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), PROMPT, { maxTokens: 6, sampling: GREEDY });
      expect(greedy).toEqual(r.tokens);
      expect(new Set(greedy).size).toBeGreaterThan(1);
    } finally {
      model.destroy();
    }
    // --f32-weights widens them (4 B a weight), as before; the same greedy tokens
    const wide = await GpuModel.load(ctx, om, { ...opts, f32Weights: true });
    try {
      expect(wide.weightFormat).toBe('q8_0 -> f32');
      expect(wide.bufferBytes(/\.gguf\d$/)).toBe(0);
      expect(wide.bufferBytes(/^L0\.wDown$/)).toBe(4 * D * F);
      expect((await generateGpu(wide, PROMPT, { maxTokens: 6, sampling: GREEDY })).tokens).toEqual(greedy);
    } finally {
      wide.destroy();
    }
    // int8: the blocks as matmul-int8's group-32 int8 rows and scales, nothing kept as ggml blocks (as before)
    const q8 = await GpuModel.load(ctx, om, { ...opts, int8: true });
    try {
      expect(q8.weightFormat).toBe('q8_0 -> int8');
      expect(q8.bufferBytes(/\.gguf\d$/)).toBe(0);
      expect(q8.q8Groups).toEqual(expect.objectContaining({ 'L0.wo': 32, 'L0.wUp': 32, 'L0.wDown': 32, lmHead: 32 }));
      expect([q8.bufferBytes(/^L0\.wDown\.q$/), q8.bufferBytes(/^L0\.wDown\.scale$/)]).toEqual([D * F, 4 * D * (F / 32)]);
    } finally {
      q8.destroy();
    }
  });
});

// int8 with a file whose linears mix Q8_0 with other formats: each linear's own stored format picks its scales (a
// Q8_0 linear keeps its blocks as group-32 scales, any other is quantized per column, the QKV always per column),
// not the file's weightDtype. Q4_0 with some Q8_0 linears (weightDtype "q4_0" when that label left Q8_0 out; now
// "q4_0+q8_0") wrote group-32 scales into per-column buffers; Q8_0 with some f16 / f32 linears
// (weightDtype "q8_0") sized group-32 scale buffers for linears quantized per column. Logits follow the CPU reference
// within the int8 tolerance (test/gpu/llm-model.test.ts), and each scale buffer holds its linear's layout. The weights
// label names the file's formats, the Q8_0 linears included, and what runs as stored (the Q4_0 linears; int8 the rest).
const INT8_TOL = { atol: 0.15, rtol: 0.02 };
const INT8_MIX: Array<{ note: string; spec: TestModelSpec; dtype: string; label: string; q8: string[] }> = [
  {
    note: 'Q4_0 with Q8_0 o-proj, gate|up, down and head (Q8_0 V: per column)',
    spec: { ...TINY_LLAMA, dtype: 'q4_0', seed: 61, dtypes: { 'blk.0.attn_output.weight': 'q8_0', 'blk.0.ffn_gate.weight': 'q8_0', 'blk.0.ffn_up.weight': 'q8_0', 'blk.1.ffn_down.weight': 'q8_0', 'blk.1.attn_v.weight': 'q8_0', 'output.weight': 'q8_0' } },
    dtype: 'q4_0+q8_0',
    label: 'q4_0+q8_0 -> q4_0 as stored (the rest int8)',
    q8: ['L0.wo', 'L0.wUp', 'L1.wDown', 'lmHead'],
  },
  {
    note: 'Q8_0 with f16 o-proj and head, an f32 down',
    spec: { ...TINY_LLAMA, dtype: 'q8_0', seed: 62, dtypes: { 'blk.0.attn_output.weight': 'f16', 'blk.1.ffn_down.weight': 'f32', 'output.weight': 'f16' } },
    dtype: 'q8_0',
    label: 'q8_0 -> int8',
    q8: ['L0.wUp', 'L0.wDown', 'L1.wo', 'L1.wUp'],
  },
];
describe('int8 with linears of mixed formats: each linear\'s scales follow its own format', () => {
  for (const c of INT8_MIX) {
    it(`${c.note}: group-32 scales for the Q8_0 linears only; logits follow the reference over a prefill and 2 decode steps`, { timeout: 300_000 }, async () => {
      const ctx = await gpu();
      const om = await openModel([bytesSource('mix.gguf', writeGgufModel(c.spec))]);
      expect(om.weightDtype).toBe(c.dtype);
      const cfg = om.config, D = cfg.dim, F = cfg.ffnDim, V = cfg.vocabSize, Nq = cfg.nHeads * cfg.headDim;
      const model = await GpuModel.load(ctx, om, { int8: true, capacity: 32, chunk: 16 });
      try {
        expect(model.weightFormat).toBe(c.label);
        expect(Object.keys(model.q8Groups).sort()).toEqual([...c.q8].sort());
        expect(Object.values(model.q8Groups).every((g) => g === 32)).toBe(true);
        // scale buffers: [K / 32, N] for a Q8_0 linear, one per column otherwise (allocations round up to 16 B)
        const pad = (b: number) => Math.max(16, Math.ceil(b / 16) * 16);
        const lin: Record<string, [N: number, K: number]> = { lmHead: [V, D] };
        for (let l = 0; l < cfg.nLayers; l++) Object.assign(lin, { [`L${l}.wo`]: [D, Nq], [`L${l}.wUp`]: [2 * F, D], [`L${l}.wDown`]: [D, F] });
        for (const [name, [N, K]] of Object.entries(lin)) {
          if (model.bufferBytes(new RegExp(`^${name.replace('.', '\\.')}\\.gguf\\d$`)) > 0) continue; // kept as stored (q4_0)
          expect(model.bufferBytes(new RegExp(`^${name.replace('.', '\\.')}\\.scale$`)), name).toBe(pad(4 * N * (c.q8.includes(name) ? K / 32 : 1)));
        }
        const cpu = new CpuModel(cfg, await loadAllWeights(om), 32);
        await expectLogitsFollowCpu(model, cpu, PROMPT, 2, INT8_TOL);
      } finally {
        model.destroy();
      }
    });
  }
});

// Vocabularies of the models people download: Llama-3 (128,256), Qwen2 (151,936), Gemma (256,000),
// larger than the matmul's 65,536-column limit, in both file formats; and a vocabulary split across
// bindings because the device binds few bytes per buffer (a phone's 128 MiB limit on a real model,
// forced small here). Each model is tiny apart from its vocabulary (SwiftShader is slow); the GPU
// loop must give the CPU reference's logits and greedy tokens, and a split step's instrumented bytes
// must equal its parts' plans.
import { describe, it, expect } from 'vitest';
import { GREEDY, expectOpsTrafficMatchPlans, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, type OpenedModel } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { generateCpu, generateGpu, prefillGpu } from '../../src/llm/generate.ts';
import { makeTokenizer } from '../../src/llm/tokenizer.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_LLAMA, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { compareArrays } from '../../src/kernels/compare.ts';

const F32_TOL = { atol: 2e-3, rtol: 1e-3 };
const SMALL: TestModelSpec = { ...TINY_LLAMA, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1, headDim: 16, ffnDim: 32 };

async function open(spec: TestModelSpec, fmt: 'st' | 'gguf'): Promise<OpenedModel> {
  if (fmt === 'gguf') return openModel([bytesSource('m.gguf', writeGgufModel(spec))]);
  return openModel(Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b)));
}

/**
 * Prefill logits against the reference and the greedy token; with `tokens`, that many greedy tokens
 * equal to the CPU loop's. (A 65,536-column LM-head pass takes ~15 s on SwiftShader: the large
 * vocabularies run the prompt only.)
 */
async function expectRuns(om: OpenedModel, prompt: number[], opts: { int8?: boolean; maxBindingBytes?: number; tokens?: number } = {}, tol = F32_TOL): Promise<GpuModel> {
  const ctx = await gpu();
  const model = await GpuModel.load(ctx, om, { int8: opts.int8 ?? false, capacity: 16, chunk: 8, maxBindingBytes: opts.maxBindingBytes });
  try {
    const tok = await prefillGpu(model, prompt, GREEDY, 0);
    const want = new CpuModel(om.config, await loadAllWeights(om), 16).forward(prompt);
    const cmp = compareArrays('logits after the prompt', await model.logits(), want, tol, [want.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    expect(tok).toBe(argmax(want));
    if (opts.tokens) {
      const g = await generateGpu(model, prompt, { maxTokens: opts.tokens, sampling: GREEDY });
      const c = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 16), prompt, { maxTokens: opts.tokens, sampling: GREEDY });
      expect(g.tokens).toEqual(c.tokens);
    }
    return model;
  } catch (e) {
    model.destroy();
    throw e;
  }
}

function argmax(a: Float32Array): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
  return b;
}

describe('vocabularies above the matmul limit of 65,536 columns load and generate', () => {
  // Prompts hold ids from every LM-head part (above 65,536 and above 131,072) and the end token.
  // Each 65,536-column part takes ~15 s of SwiftShader (more on a shared machine), so the suite runs
  // two vocabularies, one per format; Gemma's 256,000 (four parts, f16 file) passed here once in
  // 134 s and is held by the op-list and file tests in test/unit/llm-plan.test.ts.
  // The tied case is bf16, as Qwen2's files are: the head's three parts read rows of the one bf16 embedding buffer
  // (9.7 MB) at byte offsets (65,536 rows of 64 bytes: 4 MiB apart), no head buffer. (It was f32 before the tied head
  // read the stored table; an f32 head's parts are the untied Llama-3 case's.)
  const cases: Array<{ why: string; spec: TestModelSpec; fmt: 'st' | 'gguf'; parts: number; headW?: string[] }> = [
    { why: 'Llama-3 (128,256) from safetensors + tokenizer.json: two LM-head parts', spec: { ...SMALL, vocab: 128_256 }, fmt: 'st', parts: 2 },
    {
      why: 'Qwen2 (151,936) from GGUF, tied bf16 embedding: three head parts read the one embedding buffer at offsets', spec: { ...SMALL, vocab: 151_936, tied: true, seed: 5, dtype: 'bf16' }, fmt: 'gguf', parts: 3,
      headW: ['tokEmb@0', 'tokEmb@4194304', 'tokEmb@8388608'],
    },
  ];
  for (const c of cases) {
    it(c.why, { timeout: 300_000 }, async () => {
      const om = await open(c.spec, c.fmt);
      expect(om.config.vocabSize).toBe(c.spec.vocab);
      // the tokenizer of that size loads and round-trips text (it used to overflow the call stack)
      const tok = makeTokenizer(om.tokenizer, om.eos)!;
      expect(tok.decode(tok.encode('the quick brown fox'))).toBe('the quick brown fox');
      const V = c.spec.vocab!;
      const model = await expectRuns(om, [17, 70_000, V - 2, 4, 131_100 % V, V - 1]);
      try {
        const ops = model.ops('decode', 1, 6);
        expect(ops.filter((o) => o.family === 'lm-head').map((o) => o.plan.params.N)).toHaveLength(c.parts);
        expect(ops.filter((o) => o.family === 'lm-head').reduce((s, o) => s + (o.plan.params.N as number), 0)).toBe(V);
        if (c.headW) {
          expect(ops.filter((o) => o.family === 'lm-head').map((o) => `${o.bind.W}@${o.offsets?.W ?? 0}`)).toEqual(c.headW);
          expect(model.bufferBytes(/^lmHead/)).toBe(0);
        }
      } finally {
        model.destroy();
      }
    });
  }
});

describe('a vocabulary split across bindings because the device binds few bytes per buffer', () => {
  // TINY_LLAMA: vocabulary 297, D = 64 (256 bytes a row). A 48 KiB binding (the largest layer
  // weight, [gate | up], takes 48 KiB) holds 192 rows: the embedding and the LM head take 2 parts
  // each; the head's second part writes the logits at an offset of 768 bytes (a multiple of 256).
  const LIMIT = 48 * 1024;
  const PROMPT = [3, 70, 191, 192, 250, 296, 64];
  it('f32: logits and 4 greedy tokens equal the reference; 2 embed ops and 2 LM-head ops', async () => {
    const model = await expectRuns(await open(TINY_LLAMA, 'st'), PROMPT, { maxBindingBytes: LIMIT, tokens: 4 });
    try {
      const ops = model.ops('decode', 1, 7);
      expect(ops.filter((o) => o.family === 'embed').map((o) => `${o.id} ${o.plan.params.v0}+${o.plan.params.V}`)).toEqual(['embed.p0 0+192', 'embed.p1 192+105']);
      expect(ops.filter((o) => o.family === 'lm-head').map((o) => `${o.id} ${o.plan.params.N}@${o.offsets?.C ?? 0}`)).toEqual(['lm-head.p0 192@0', 'lm-head.p1 105@768']);
    } finally {
      model.destroy();
    }
  });
  it('int8 from a GGUF Q8_0 file: the head parts keep their slices of the group-32 scales', async () => {
    const model = await expectRuns(await open({ ...TINY_LLAMA, dtype: 'q8_0' }, 'gguf'), PROMPT, { int8: true, maxBindingBytes: LIMIT }, { atol: 0.15, rtol: 0.02 });
    model.destroy();
  });
  // Tied bf16 (Qwen2, Gemma): the head's parts are the embedding's (one rule splits both), each reading its part's
  // table as stored. bf16 halves the bytes, so the limit is halved to split as f32 does: 24 KiB (the bf16 [gate | up])
  // holds 192 rows of 128 bytes.
  const TIED = { ...TINY_LLAMA, dtype: 'bf16', tied: true } as const;
  const TIED_LIMIT = 24 * 1024;
  it('tied bf16 GGUF: the head parts read the embedding parts; logits and 4 greedy tokens equal the reference, greedy and sampled tokens the --f32-weights run', async () => {
    const om = await open(TIED, 'gguf');
    const model = await expectRuns(om, PROMPT, { maxBindingBytes: TIED_LIMIT, tokens: 4 });
    const wide = await GpuModel.load(await gpu(), om, { int8: false, capacity: 16, chunk: 8, maxBindingBytes: LIMIT, f32Weights: true });
    try {
      const ops = model.ops('decode', 1, 7);
      expect(ops.filter((o) => o.family === 'embed').map((o) => `${o.id} ${o.plan.params.v0}+${o.plan.params.V}:${o.plan.params.format}`)).toEqual(['embed.p0 0+192:bf16', 'embed.p1 192+105:bf16']);
      expect(ops.filter((o) => o.family === 'lm-head').map((o) => `${o.id} ${o.plan.kernel}:${o.plan.params.format} ${o.plan.params.N} W=${o.bind.W}@${o.offsets?.W ?? 0} Y@${o.offsets?.Y ?? 0}`))
        .toEqual(['lm-head.p0 matmul-gguf:bf16 192 W=tokEmb.p0@0 Y@0', 'lm-head.p1 matmul-gguf:bf16 105 W=tokEmb.p1@0 Y@768']);
      expect([model.bufferBytes(/^lmHead/), wide.bufferBytes(/^lmHead/)]).toEqual([0, 4 * 297 * 64]);
      const sampled = { temperature: 8, topK: 64, seed: 3 }; // a random tied model echoes its last token greedily (llm-half-weights.test.ts)
      for (const sampling of [GREEDY, sampled]) {
        const a = await generateGpu(model, PROMPT, { maxTokens: 4, sampling }), b = await generateGpu(wide, PROMPT, { maxTokens: 4, sampling });
        expect(a.tokens).toEqual(b.tokens);
        if (sampling === sampled) expect(new Set(a.tokens).size).toBeGreaterThan(1);
      }
    } finally {
      model.destroy();
      wide.destroy();
    }
  });
  // A tied Q4_0 table (36 B a row) of 2,048 tokens at 48 KiB: 2 parts (1,344 + 704 rows), each head part reading one
  // (test/gpu/llm-gguf-quant.test.ts runs it against the reference); the gather's and the head's block words counted.
  const TIED_Q4 = { ...TINY_LLAMA, vocab: 2048, tied: true, embedDtype: 'q4_0' } as const;
  for (const c of [
    { name: 'f32', om: () => open(TINY_LLAMA, 'st'), limit: LIMIT },
    { name: 'tied bf16 (the head reading the embedding parts)', om: () => open(TIED, 'gguf'), limit: TIED_LIMIT },
    { name: 'tied Q4_0 table (gathered and read by the head as stored)', om: () => open(TIED_Q4, 'gguf'), limit: LIMIT },
  ])
  it(`instrumented decode step, ${c.name}: every part moves exactly the bytes of its plan`, async () => {
    const ctx = await gpu();
    const model = await GpuModel.load(ctx, await c.om(), { int8: false, capacity: 16, chunk: 8, maxBindingBytes: c.limit });
    try {
      await prefillGpu(model, PROMPT, GREEDY, 0);
      const ops = model.ops('decode', 1, 7).filter((o) => o.family === 'embed' || o.family === 'lm-head');
      model.setTokens([200]);
      const stats = await model.runInstrumented(ops);
      expectOpsTrafficMatchPlans(ops, stats);
    } finally {
      model.destroy();
    }
  });
});

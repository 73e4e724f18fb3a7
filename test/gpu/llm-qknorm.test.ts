// The q/k-norm architectures on real WebGPU (Dawn + SwiftShader here), in one file so that they share their compiled
// pipelines (the same tiny shapes: 4 heads of 16 in D 32; SwiftShader compiles a pipeline for about a second, and CI is
// near its limit):
// - Qwen3 dense: the tiny Qwen3 (per-head q/k RMSNorm before RoPE, so q has 2·D rows and wo is [D, 2·D]) written to
//   real files, run through the GPU decode loop and held to the CPU reference: logits after a chunked prefill and each
//   decode step, and the bytes of every op of a decode step (q-norm and k-norm included) against its plan.
// - Gemma 3: the tiny Gemma 3 (6 layers, a window of 4 on layers 0-4 and full attention on layer 5, each with its RoPE
//   base; sandwich norms, GeGLU, embeddings x sqrt(D)) as a real config.json + safetensors, run past the window and held
//   to the CPU reference, then the bytes of every op of a decode step (post-norms, gelu-mul, the scaled embedding and
//   both attention windows included) against its plan.
import { describe, it, expect, beforeAll } from 'vitest';
import { GREEDY, expectLogitsFollowCpu, expectOpsTrafficMatchPlans, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, type OpenedModel } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { prefillGpu } from '../../src/llm/generate.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_GEMMA3, TINY_QWEN3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import type { GpuContext } from '../../src/gpu/context.ts';

const PROMPT = [17, 4, 250, 99, 3, 120];

async function open(spec: TestModelSpec, fmt: 'st' | 'gguf'): Promise<OpenedModel> {
  if (fmt === 'gguf') return openModel([bytesSource('m.gguf', writeGgufModel(spec))]);
  return openModel(Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b)));
}

// As llm-model.test.ts: f32 kernels against the f64-accumulating reference through 2 layers.
const F32_TOL = { atol: 2e-3, rtol: 1e-3 };
// As llm-model.test.ts's int8 cases: activation quantization costs ~1% per matmul.
const INT8_TOL = { atol: 0.15, rtol: 0.02 };

describe('Qwen3 on the GPU decode loop matches the CPU reference', () => {
  let ctx: GpuContext;
  beforeAll(async () => { ctx = await gpu(); });
  const cases: Array<{ spec: TestModelSpec; fmt: 'st' | 'gguf'; note: string }> = [
    { spec: TINY_QWEN3, fmt: 'st', note: 'safetensors f32 (config.json model_type qwen3)' },
    // f16 GGUF tensors run as stored (matmul-gguf): q, k and v as three matmuls into the head-major Q, K, V the norms read
    { spec: { ...TINY_QWEN3, dtype: 'f16' }, fmt: 'gguf', note: 'GGUF f16 (general.architecture qwen3), linears as stored' },
  ];
  for (const c of cases) {
    it(`${c.note}: logits after a prefill in 2 chunks and 3 decode steps (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol})`, async () => {
      const om = await open(c.spec, c.fmt);
      expect(om.config).toMatchObject({ qkNorm: true, dim: 32, nHeads: 4, headDim: 16 });
      const cpu = new CpuModel(om.config, await loadAllWeights(om), 16);
      const model = await GpuModel.load(ctx, om, { int8: false, capacity: 16, chunk: 4 });
      try {
        const ops = model.ops('decode', 1, 6, { topK: 1, temperature: 0, u: 0 });
        expect(ops.filter((o) => o.layer === 0).map((o) => o.name).slice(0, 6)).toEqual(
          c.fmt === 'gguf' ? ['attn-norm', 'qkv', 'qkv-k', 'qkv-v', 'q-norm', 'k-norm'] : ['attn-norm', 'qkv', 'q-norm', 'k-norm', 'rope-q', 'k-cache'],
        );
        await expectLogitsFollowCpu(model, cpu, PROMPT, 3, F32_TOL);
      } finally {
        model.destroy();
      }
    });
  }
  // --int8 (per-channel int8 linears, per-row int8 activations) with the tolerance of llm-model.test.ts's int8 cases:
  // measured by hand before this test, max logit error 0.091 / 0.063
  it('safetensors f32 quantized on load (--int8): logits after a prefill in 2 chunks and 3 decode steps within 0.15 of the reference', async () => {
    const om = await open(TINY_QWEN3, 'st');
    const cpu = new CpuModel(om.config, await loadAllWeights(om), 16);
    const model = await GpuModel.load(ctx, om, { int8: true, capacity: 16, chunk: 4 });
    try {
      await expectLogitsFollowCpu(model, cpu, PROMPT, 3, INT8_TOL);
    } finally {
      model.destroy();
    }
  });
  it('every op of a decode step at position 6 moves exactly the bytes its plan says (q-norm, k-norm included)', async () => {
    const om = await open(TINY_QWEN3, 'st');
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 16, chunk: 8 });
    try {
      await prefillGpu(model, PROMPT, GREEDY, 0);
      const ops = model.ops('decode', 1, 6, { topK: 4, temperature: 1, u: 0.5 });
      expect(ops.filter((o) => o.name === 'q-norm' || o.name === 'k-norm')).toHaveLength(2 * om.config.nLayers);
      model.setTokens([5]);
      expectOpsTrafficMatchPlans(ops, await model.runInstrumented(ops));
    } finally {
      model.destroy();
    }
  });
});

// 7 prompt tokens in chunks of 4 (the second chunk attends over the cached first, through the window on layers 0-4),
// then 3 decode steps to position 10: the windowed layers see 4 keys, layer 5 all of them
const GEMMA_PROMPT = [17, 4, 250, 99, 3, 120, 44];
describe('Gemma 3 on the GPU decode loop matches the CPU reference', () => {
  let ctx: GpuContext;
  beforeAll(async () => { ctx = await gpu(); });
  it(`safetensors f32 (config.json model_type gemma3_text): logits after a prefill in 2 chunks and 3 decode steps past the window (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol}); a decode step's traffic equals its plans`, async () => {
    const om = await openModel(Object.entries(writeSafetensorsModel(TINY_GEMMA3)).map(([n, b]) => bytesSource(n, b)));
    expect(om.config).toMatchObject({ family: 'gemma3_text', attentionWindow: 4, fullAttentionLayers: [5], postNorms: true, mlp: 'geglu' });
    const cpu = new CpuModel(om.config, await loadAllWeights(om), 16);
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 16, chunk: 4 });
    try {
      await expectLogitsFollowCpu(model, cpu, GEMMA_PROMPT, 3, F32_TOL);
      const ops = model.ops('decode', 1, GEMMA_PROMPT.length + 3, { topK: 4, temperature: 1, u: 0.5 });
      const att = ops.filter((o) => o.name === 'attention');
      expect(att.map((o) => o.plan.params.window)).toEqual([4, 4, 4, 4, 4, 0]);
      expect(ops.filter((o) => o.name === 'post-attn-norm' || o.name === 'post-ffn-norm' || o.name === 'gelu-mul')).toHaveLength(3 * 6);
      model.setTokens([5]);
      expectOpsTrafficMatchPlans(ops, await model.runInstrumented(ops));
    } finally {
      model.destroy();
    }
  });
});

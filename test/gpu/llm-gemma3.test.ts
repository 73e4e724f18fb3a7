// Gemma 3 on real WebGPU (Dawn + SwiftShader here): the tiny Gemma 3 (6 layers, a window of 4 on layers 0-4 and full
// attention on layer 5, each with its RoPE base; sandwich norms, GeGLU, embeddings x sqrt(D), heads of 16 in D 32)
// written as a real config.json + safetensors, run through the GPU decode loop past the window and held to the CPU
// reference: logits after a prefill in 2 chunks and each decode step, then the bytes of every op of a decode step
// (post-norms, gelu-mul, the scaled embedding and both attention windows included) against its plan.
import { describe, it, expect, beforeAll } from 'vitest';
import { expectLogitsFollowCpu, expectOpsTrafficMatchPlans, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { writeSafetensorsModel, TINY_GEMMA3 } from '../../src/llm/testmodel.ts';
import type { GpuContext } from '../../src/gpu/context.ts';

// 7 prompt tokens in chunks of 4 (the second chunk attends over the cached first, through the window on layers 0-4),
// then 3 decode steps to position 10: the windowed layers see 4 keys, layer 5 all of them
const PROMPT = [17, 4, 250, 99, 3, 120, 44];
// As llm-model.test.ts: f32 kernels against the f64-accumulating reference.
const F32_TOL = { atol: 2e-3, rtol: 1e-3 };

describe('Gemma 3 on the GPU decode loop matches the CPU reference', () => {
  let ctx: GpuContext;
  beforeAll(async () => { ctx = await gpu(); });
  it(`safetensors f32 (config.json model_type gemma3_text): logits after a prefill in 2 chunks and 3 decode steps past the window (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol}); a decode step's traffic equals its plans`, async () => {
    const om = await openModel(Object.entries(writeSafetensorsModel(TINY_GEMMA3)).map(([n, b]) => bytesSource(n, b)));
    expect(om.config).toMatchObject({ family: 'gemma3_text', attentionWindow: 4, fullAttentionLayers: [5], postNorms: true, mlp: 'geglu' });
    const cpu = new CpuModel(om.config, await loadAllWeights(om), 16);
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 16, chunk: 4 });
    try {
      await expectLogitsFollowCpu(model, cpu, PROMPT, 3, F32_TOL);
      const ops = model.ops('decode', 1, PROMPT.length + 3, { topK: 4, temperature: 1, u: 0.5 });
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

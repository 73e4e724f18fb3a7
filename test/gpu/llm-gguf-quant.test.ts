// A Llama-style model written as a Q4_K_M GGUF (llama.cpp's type choice: Q4_K, with Q6_K for the LM head and
// for attn_v / ffn_down of the layers llama.cpp gives more bits; token_embd Q4_K) runs with its blocks kept
// as stored (matmul-gguf) and matches the CPU reference forward pass, which decodes the same blocks exactly as
// ggml (src/kernels/ggml-quants.ts) and accumulates in f64: logits after a tiled prefill and decode steps,
// greedy tokens. (The kernels' instrumented traffic is checked in test/gpu/matmul-gguf.test.ts; an instrumented
// model step here would compile every pipeline a second time, minutes on SwiftShader.)
import { describe, it, expect } from 'vitest';
import { GREEDY, expectLogitsFollowCpu, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { generateCpu, generateGpu } from '../../src/llm/generate.ts';
import { ggufMixDtype, writeGgufModel, TINY_LLAMA, type TestModelSpec } from '../../src/llm/testmodel.ts';

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

// Phi-3 on real WebGPU (Dawn + SwiftShader here): the tiny Phi-3 (q/k/v and gate/up stored fused, LongRoPE over an
// original context of 16) written to real files, run through the GPU decode loop and held to the CPU reference: logits
// after a chunked prefill and each decode step, and the bytes of every op of a decode step against its plan (checked on
// the first case's model, so the step's pipelines compile once for both checks: SwiftShader compiles slowly).
import { describe, it, expect, beforeAll } from 'vitest';
import { expectLogitsFollowCpu, expectOpsTrafficMatchPlans, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, type OpenedModel } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel } from '../../src/llm/gpu-model.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_PHI3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import type { GpuContext } from '../../src/gpu/context.ts';

const PROMPT = [17, 4, 250, 99, 3, 120];

async function open(spec: TestModelSpec, fmt: 'st' | 'gguf'): Promise<OpenedModel> {
  if (fmt === 'gguf') return openModel([bytesSource('m.gguf', writeGgufModel(spec))]);
  return openModel(Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b)));
}

// As llm-model.test.ts: f32 kernels against the f64-accumulating reference through 2 layers.
const F32_TOL = { atol: 2e-3, rtol: 1e-3 };

describe('Phi-3 on the GPU decode loop matches the CPU reference', () => {
  let ctx: GpuContext;
  beforeAll(async () => { ctx = await gpu(); });
  const cases: Array<{ spec: TestModelSpec; fmt: 'st' | 'gguf'; capacity: number; note: string }> = [
    // context 32 > the original 16: LongRoPE's long factors and its attention factor, in the table both sides read
    { spec: TINY_PHI3, fmt: 'st', capacity: 32, note: 'safetensors f32 (config.json model_type phi3, qkv_proj, gate_up_proj), long factors' },
    // f16 GGUF tensors run as stored (matmul-gguf): the fused attn_qkv as three row ranges (q, k, v), ffn_up [gate | up] as one
    { spec: { ...TINY_PHI3, dtype: 'f16' }, fmt: 'gguf', capacity: 16, note: 'GGUF f16 (general.architecture phi3, attn_qkv, ffn_up of 2·FF rows) as stored, short factors' },
  ];
  for (const c of cases) {
    const traffic = c.fmt === 'st';
    it(`${c.note}: logits after a prefill in 2 chunks and 3 decode steps (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol})${traffic ? '; then every op of a decode step at position 9 moves exactly the bytes its plan says' : ''}`, async () => {
      const om = await open(c.spec, c.fmt);
      expect(om.config).toMatchObject({ family: 'phi3', dim: 64, nHeads: 4, headDim: 16 });
      if (c.fmt === 'gguf') expect(Object.keys(om.ggml ?? {}).filter((k) => k.startsWith('L0.'))).toEqual(['L0.wqkv', 'L0.wUp', 'L0.wo', 'L0.wDown']);
      const cpu = new CpuModel(om.config, await loadAllWeights(om), c.capacity);
      const model = await GpuModel.load(ctx, om, { int8: false, capacity: c.capacity, chunk: 4 });
      try {
        const ops = model.ops('decode', 1, 6, { topK: 1, temperature: 0, u: 0 });
        expect(ops.filter((o) => o.layer === 0).map((o) => o.name).slice(0, 5)).toEqual(
          c.fmt === 'gguf' ? ['attn-norm', 'qkv', 'qkv-k', 'qkv-v', 'rope-q'] : ['attn-norm', 'qkv', 'rope-q', 'k-cache', 'v-cache'],
        );
        await expectLogitsFollowCpu(model, cpu, PROMPT, 3, F32_TOL);
        if (traffic) {
          // the same model, its cache now holding 9 positions (one compile of the step's pipelines for both checks)
          const step = model.ops('decode', 1, PROMPT.length + 3, { topK: 4, temperature: 1, u: 0.5 });
          model.setTokens([5]);
          expectOpsTrafficMatchPlans(step, await model.runInstrumented(step));
        }
      } finally {
        model.destroy();
      }
    });
  }
});

// A whole transformer through our kernels on real WebGPU (Dawn + SwiftShader here): small random
// Llama- and GPT-2-style models written to real files, loaded, run on the GPU and compared with the
// CPU reference forward pass: logits after the prefill and after each decode step, greedy tokens,
// the instrumented bytes of every op of a decode step against its plan, limits and cancel; and Phi-3 (fused tensors,
// LongRoPE) on the same pipelines.
import { describe, it, expect, beforeAll, vi } from 'vitest';
import { GREEDY, expectLogitsFollowCpu, expectOpsTrafficMatchPlans, gpu } from './harness.ts';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, type OpenedModel } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GpuModel, ModelTooLargeError } from '../../src/llm/gpu-model.ts';
import { decodeStepGpu, generateCpu, generateGpu, prefillGpu } from '../../src/llm/generate.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_GPT2, TINY_LLAMA, TINY_PHI3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import type { GpuContext } from '../../src/gpu/context.ts';
import { UnsupportedOnDevice } from '../../src/kernels/kernel.ts';
import { DecodeOpsCache, forwardOps } from '../../src/models/forward.ts';

const GREEDY_SAMPLING = { topK: 1, temperature: 0, u: 0 };

const PROMPT = [17, 4, 250, 99, 3, 120];

async function open(spec: TestModelSpec, fmt: 'st' | 'gguf'): Promise<OpenedModel> {
  if (fmt === 'gguf') return openModel([bytesSource('m.gguf', writeGgufModel(spec))]);
  return openModel(Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b)));
}

// Tolerance: f32 kernels against the f64-accumulating reference through 2 layers; logits are O(1..10).
const F32_TOL = { atol: 2e-3, rtol: 1e-3 };

const models: Array<{ spec: TestModelSpec; fmt: 'st' | 'gguf'; note: string }> = [
  { spec: TINY_LLAMA, fmt: 'st', note: 'Llama-style (RMSNorm, RoPE, GQA 4:2, SwiGLU) from safetensors' },
  { spec: TINY_GPT2, fmt: 'gguf', note: 'GPT-2-style (LayerNorm, learned positions, GELU, tied head) from GGUF' },
];

describe('GPU decode loop matches the CPU reference (f32 weights)', () => {
  let ctx: GpuContext;
  beforeAll(async () => { ctx = await gpu(); });
  for (const m of models) {
    it(`${m.note}: logits after prefill and 3 decode steps (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol}); greedy tokens equal`, async () => {
      const om = await open(m.spec, m.fmt);
      const cpu = new CpuModel(om.config, await loadAllWeights(om), 32);
      const model = await GpuModel.load(ctx, om, { int8: false, capacity: 32, chunk: 8 });
      try {
        await expectLogitsFollowCpu(model, cpu, PROMPT, 3, F32_TOL);
        // greedy generation: the same 10 tokens from the GPU loop and the CPU loop
        const g = await generateGpu(model, PROMPT, { maxTokens: 10, sampling: GREEDY });
        const c = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), PROMPT, { maxTokens: 10, sampling: GREEDY });
        expect(g.tokens).toEqual(c.tokens);
        expect(g.tokens.length).toBe(10);
        // not a degenerate constant output (the random GPT-2 weights do repeat one token: its logits are checked above)
        if (m.spec.arch === 'llama') expect(new Set(g.tokens).size).toBeGreaterThan(1);
      } finally {
        model.destroy();
      }
    });
  }
  it('temperature / top-k sampling with a seed gives the same tokens on GPU and CPU', async () => {
    const om = await open(TINY_LLAMA, 'st');
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 32, chunk: 8 });
    try {
      const s = { temperature: 0.9, topK: 20, seed: 7 };
      const g = await generateGpu(model, PROMPT, { maxTokens: 8, sampling: s });
      const c = await generateCpu(new CpuModel(om.config, await loadAllWeights(om), 32), PROMPT, { maxTokens: 8, sampling: s });
      expect(g.tokens).toEqual(c.tokens);
      const again = await generateGpu(model, PROMPT, { maxTokens: 8, sampling: { ...s, seed: 8 } });
      expect(again.tokens).not.toEqual(g.tokens); // the seed matters
    } finally {
      model.destroy();
    }
  });
});

describe('chunked prefill: a prompt longer than one chunk attends to the cache the earlier chunks wrote', () => {
  // 10 tokens in chunks of 4: chunks of 4, 4 and 2 (a ragged last one), the later two through
  // attention-prefill over a cached prefix (L = 8 and 10 of a 16-key cache). Llama covers RoPE at
  // pos0 > 0 and GQA; GPT-2 the learned positions from pos0.
  const LONG = [17, 4, 250, 99, 3, 120, 41, 8, 200, 66];
  for (const m of models) {
    it(`${m.spec.arch}: logits after a 3-chunk prefill and one decode step match the reference (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol})`, async () => {
      const ctx = await gpu();
      const om = await open(m.spec, m.fmt);
      const cpu = new CpuModel(om.config, await loadAllWeights(om), 16);
      const model = await GpuModel.load(ctx, om, { int8: false, capacity: 16, chunk: 4 });
      try {
        const progress: string[] = [];
        const tok = await prefillGpu(model, LONG, GREEDY, 0, { onPrefill: (d, n) => progress.push(`${d}/${n}`) });
        expect(progress).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']); // 2 layers x 3 chunks
        expect(model.pos).toBe(LONG.length);
        let want = cpu.forward(LONG);
        let cmp = compareArrays('logits after a chunked prefill', await model.logits(), want, F32_TOL, [want.length]);
        expect(cmp.ok, cmp.summary).toBe(true);
        expect(tok).toBe(greedyOf(want));
        await decodeStepGpu(model, tok, GREEDY, 0);
        want = cpu.forward([tok]);
        cmp = compareArrays('logits of the decode step after it', await model.logits(), want, F32_TOL, [want.length]);
        expect(cmp.ok, cmp.summary).toBe(true);
      } finally {
        model.destroy();
      }
    });
  }
});

describe('sliding-window attention (Mistral / Qwen2) past the window', () => {
  // Window 3 over a 10-token prompt in chunks of 4 and 3 decode steps: every chunk after the first and
  // every decode step attends to fewer keys than the context holds; the chunk boundaries (4, 8) do not
  // fall on the window's edge. Safetensors with a Mistral config.json; GGUF with llama.attention.sliding_window.
  const LONG = [17, 4, 250, 99, 3, 120, 41, 8, 200, 66];
  const cases: Array<{ spec: TestModelSpec; fmt: 'st' | 'gguf'; note: string }> = [
    { spec: { ...TINY_LLAMA, window: 3 }, fmt: 'st', note: 'Mistral config.json (sliding_window 3)' },
    { spec: { ...TINY_LLAMA, qkvBias: true, window: 5 }, fmt: 'st', note: 'Qwen2 config.json (use_sliding_window, window 5, max_window_layers 0)' },
    { spec: { ...TINY_LLAMA, window: 3 }, fmt: 'gguf', note: 'GGUF llama.attention.sliding_window 3' },
  ];
  for (const c of cases) {
    it(`${c.note}: chunked prefill and 3 decode steps match the reference with the window (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol})`, async () => {
      const ctx = await gpu();
      const om = await open(c.spec, c.fmt);
      expect(om.config.attentionWindow).toBe(c.spec.window);
      const cpu = new CpuModel(om.config, await loadAllWeights(om), 16);
      const full = new CpuModel({ ...om.config, attentionWindow: null }, await loadAllWeights(om), 16);
      const model = await GpuModel.load(ctx, om, { int8: false, capacity: 16, chunk: 4 });
      try {
        let tok = await prefillGpu(model, LONG, GREEDY, 0);
        let want = cpu.forward(LONG);
        const without = full.forward(LONG);
        // the window changes the model's output (guards against it being ignored on both sides)
        let maxDiff = 0;
        for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - without[i]));
        expect(maxDiff).toBeGreaterThan(0.1);
        let cmp = compareArrays('logits after a chunked prefill past the window', await model.logits(), want, F32_TOL, [want.length]);
        expect(cmp.ok, cmp.summary).toBe(true);
        for (let step = 0; step < 3; step++) {
          await decodeStepGpu(model, tok, GREEDY, 0);
          want = cpu.forward([tok]);
          cmp = compareArrays(`logits of decode step ${step + 1}`, await model.logits(), want, F32_TOL, [want.length]);
          expect(cmp.ok, cmp.summary).toBe(true);
          tok = greedyOf(want);
        }
      } finally {
        model.destroy();
      }
    });
  }
});

function greedyOf(logits: Float32Array): number {
  let b = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[b]) b = i;
  return b;
}

describe('GPU decode loop with int8 weights', () => {
  // int8 weights (per column, or Q8_0 blocks) and per-row int8 activations against the f64 reference
  // of the dequantized weights: activation quantization costs ~1% per matmul.
  const cases: Array<{ spec: TestModelSpec; fmt: 'st' | 'gguf'; note: string }> = [
    { spec: TINY_LLAMA, fmt: 'st', note: 'f32 file quantized on load with our recipe' },
    { spec: { ...TINY_LLAMA, dtype: 'q8_0' }, fmt: 'gguf', note: 'GGUF Q8_0 used as is (group 32 scales)' },
    // GPT-2's int8 path (LayerNorm, GELU, biases) is covered by the instrumented step below; SwiftShader
    // compiles each pipeline slowly, so the test list avoids repeating shapes.
  ];
  for (const c of cases) {
    it(`${c.spec.arch}: ${c.note}: prefill logits within 0.15 of the reference, top token agrees`, async () => {
      const ctx = await gpu();
      const om = await open(c.spec, c.fmt);
      const cpu = new CpuModel(om.config, await loadAllWeights(om), 32);
      // each time the decode list is lowered, its cache found its kept list not lowered for the shape (a private check)
      const keeps = vi.spyOn(DecodeOpsCache.prototype as unknown as { keeps: (...a: unknown[]) => boolean }, 'keeps');
      const model = await GpuModel.load(ctx, om, { int8: true, capacity: 32, chunk: 8 });
      try {
        const tok = await prefillGpu(model, PROMPT, GREEDY, 0);
        const want = cpu.forward(PROMPT);
        const cmp = compareArrays('int8 logits', await model.logits(), want, { atol: 0.15, rtol: 0.02 }, [want.length]);
        expect(cmp.ok, cmp.summary).toBe(true);
        expect(tok).toBe(greedyOf(want));
        // the Q8_0 groups the upload recorded (after load had built its first decode list) are in the shape and in
        // the decode list, which equals forwardOps of that shape; the shape's tables cannot change in place
        const q8 = c.spec.dtype === 'q8_0';
        expect(model.q8Groups).toEqual(q8 ? expect.objectContaining({ 'L0.wo': 32, 'L0.wUp': 32, 'L0.wDown': 32 }) : {});
        expect(Object.isFrozen(model.q8Groups)).toBe(true);
        const s = model.shape('decode', 1, PROMPT.length, GREEDY_SAMPLING);
        const ops = model.ops('decode', 1, PROMPT.length, GREEDY_SAMPLING);
        expect(ops.find((op) => op.id === 'L0.o-proj')!.plan.params.group).toBe(q8 ? 32 : 0);
        expect(ops).toStrictEqual(forwardOps(model.config, s));
        // lowered at load (buffer sizing), and once more only where the upload recorded Q8_0 groups
        expect(keeps.mock.results.filter((r) => r.value === false)).toHaveLength(q8 ? 2 : 1);
      } finally {
        keeps.mockRestore();
        model.destroy();
      }
    });
  }
});

describe('every op of a decode step moves exactly the bytes its plan says', () => {
  // Llama in f32 and GPT-2 in int8 between them run every kernel and variant the loop uses.
  for (const [m, int8] of [[models[0], false], [models[1], true]] as const) {
    {
      it(`${m.spec.arch} ${int8 ? 'int8' : 'f32'}: instrumented decode step at position 6`, async () => {
        const ctx = await gpu();
        const om = await open(m.spec, m.fmt);
        const model = await GpuModel.load(ctx, om, { int8, capacity: 16, chunk: 8 });
        try {
          await prefillGpu(model, PROMPT, GREEDY, 0);
          const ops = model.ops('decode', 1, 6, { topK: 4, temperature: 1, u: 0.5 });
          model.setTokens([5]);
          const stats = await model.runInstrumented(ops);
          expectOpsTrafficMatchPlans(ops, stats);
        } finally {
          model.destroy();
        }
      });
    }
  }
});

// Phi-3: TINY_LLAMA's shape with q/k/v and gate/up stored fused (qkv_proj / attn_qkv, gate_up_proj / ffn_up) and LongRoPE
// over an original context of 16. Here rather than in a file of its own, with the Llama cases' capacities, chunks and
// positions, so it runs the pipelines they compiled (a test file is a process; SwiftShader compiles slowly).
describe('Phi-3 on the GPU decode loop matches the CPU reference', () => {
  const cases: Array<{ spec: TestModelSpec; fmt: 'st' | 'gguf'; capacity: number; note: string }> = [
    // context 32 > the original 16: LongRoPE's long factors and its attention factor, in the cos/sin table both sides read
    { spec: TINY_PHI3, fmt: 'st', capacity: 32, note: 'safetensors f32 (config.json model_type phi3, qkv_proj, gate_up_proj), context 32: long factors' },
    // f16 GGUF tensors run as stored (matmul-gguf): the fused attn_qkv as three row ranges (q, k, v), ffn_up [gate | up] as one
    { spec: { ...TINY_PHI3, dtype: 'f16' }, fmt: 'gguf', capacity: 16, note: 'GGUF f16 (general.architecture phi3, attn_qkv, ffn_up of 2·FF rows) as stored, context 16: short factors' },
  ];
  for (const c of cases) {
    it(`${c.note}: logits after prefill and 3 decode steps (atol ${F32_TOL.atol}, rtol ${F32_TOL.rtol})`, async () => {
      const om = await open(c.spec, c.fmt);
      expect(om.config).toMatchObject({ family: 'phi3', dim: 64, nHeads: 4, headDim: 16 });
      if (c.fmt === 'gguf') expect(Object.keys(om.ggml ?? {}).filter((k) => k.startsWith('L0.'))).toEqual(['L0.wqkv', 'L0.wUp', 'L0.wo', 'L0.wDown']);
      const cpu = new CpuModel(om.config, await loadAllWeights(om), c.capacity);
      const model = await GpuModel.load(await gpu(), om, { int8: false, capacity: c.capacity, chunk: 8 });
      try {
        const ops = model.ops('decode', 1, 6, GREEDY_SAMPLING);
        expect(ops.filter((o) => o.layer === 0).map((o) => o.name).slice(0, 5)).toEqual(
          c.fmt === 'gguf' ? ['attn-norm', 'qkv', 'qkv-k', 'qkv-v', 'rope-q'] : ['attn-norm', 'qkv', 'rope-q', 'k-cache', 'v-cache'],
        );
        await expectLogitsFollowCpu(model, cpu, PROMPT, 3, F32_TOL);
      } finally {
        model.destroy();
      }
    });
  }
  it('every op of a decode step at position 6 moves exactly the bytes its plan says', async () => {
    const model = await GpuModel.load(await gpu(), await open(TINY_PHI3, 'st'), { int8: false, capacity: 16, chunk: 8 });
    try {
      await prefillGpu(model, PROMPT, GREEDY, 0);
      const ops = model.ops('decode', 1, 6, { topK: 4, temperature: 1, u: 0.5 });
      model.setTokens([5]);
      expectOpsTrafficMatchPlans(ops, await model.runInstrumented(ops));
    } finally {
      model.destroy();
    }
  });
});

describe('limits, cancel and bad input', () => {
  it("a model larger than the adapter's storage-buffer limit is refused before anything is allocated, naming sizes", async () => {
    const ctx = await gpu();
    const small: GpuContext = { ...ctx, report: { ...ctx.report, limits: { ...ctx.report.limits, maxStorageBufferBindingSize: 32 * 1024 } } };
    const om = await open(TINY_GPT2, 'st');
    await expect(GpuModel.load(small, om, { int8: false, capacity: 16, chunk: 8 })).rejects.toThrow(ModelTooLargeError);
    await expect(GpuModel.load(small, om, { int8: false, capacity: 16, chunk: 8 })).rejects.toThrow(
      /model\.safetensors \(\d+ M parameters, [\d.]+ MiB on the GPU, weights f32 -> f32\) needs a [\d.]+ MiB buffer for \S+; this device allows 0\.0 MiB per storage buffer \(maxStorageBufferBindingSize/,
    );
  });
  // Every plan of the op lists is held to the device's limits (runner.ts checkLimits) before any buffer
  // is made: each forced limit is one the weight/cache buffers pass (they are checked first) but some
  // plan of the model does not, so the refusal can only come from the plans' check.
  const planLimits: Array<{ why: string; limits: Record<string, number>; limit: string; message: RegExp }> = [
    // the tiled kernels' workgroup tiles: a device with little shared memory (the WebGPU minimum is 16 KiB)
    { why: 'workgroup memory below the norms\' reductions and the tiles', limits: { maxComputeWorkgroupStorageSize: 64 }, limit: 'maxComputeWorkgroupStorageSize', message: /tiles need \d+ bytes of workgroup memory; this device's maxComputeWorkgroupStorageSize is 64/ },
    // the grid: a device that runs one workgroup per axis refuses every multi-workgroup dispatch
    { why: 'one workgroup per grid axis', limits: { maxComputeWorkgroupsPerDimension: 1 }, limit: 'maxComputeWorkgroupsPerDimension', message: /\d+ workgroups along one axis exceeds this device's maxComputeWorkgroupsPerDimension = 1/ },
  ];
  for (const c of planLimits) {
    it(`a plan over a device limit (${c.why}) is refused by checkLimits, naming the op and the limit, before any allocation`, async () => {
      const ctx = await gpu();
      let created = 0;
      const device = new Proxy(ctx.device, {
        get(t, k) {
          if (k === 'createBuffer') return (d: GPUBufferDescriptor) => { created++; return t.createBuffer(d); };
          const v = Reflect.get(t, k, t) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
      const small: GpuContext = { ...ctx, device, report: { ...ctx.report, limits: { ...ctx.report.limits, ...c.limits } } };
      const err = await GpuModel.load(small, await open(TINY_LLAMA, 'st'), { int8: false, capacity: 16, chunk: 8 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnsupportedOnDevice);
      expect((err as UnsupportedOnDevice).limit).toBe(c.limit);
      expect((err as Error).message).toMatch(/^model\.safetensors: op \S+ \(\S+\/\S+\): /);
      expect((err as Error).message).toMatch(c.message);
      expect(created).toBe(0);
    });
  }
  it('cancel stops the loop between tokens and reports it', async () => {
    const ctx = await gpu();
    const om = await open(TINY_LLAMA, 'st');
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 32, chunk: 8 });
    try {
      const ac = new AbortController();
      const r = await generateGpu(model, PROMPT, { maxTokens: 20, sampling: GREEDY, signal: ac.signal, onToken: (t) => { if (t.index === 2) ac.abort(); } });
      expect(r.stop).toBe('cancelled');
      expect(r.tokens.length).toBe(3);
      const pre = await generateGpu(model, PROMPT, { maxTokens: 20, sampling: GREEDY, signal: AbortSignal.abort() });
      expect(pre).toMatchObject({ stop: 'cancelled', tokens: [] });
    } finally {
      model.destroy();
    }
  });
  it('a prompt longer than the context says so', async () => {
    const ctx = await gpu();
    const om = await open(TINY_LLAMA, 'st');
    const model = await GpuModel.load(ctx, om, { int8: false, capacity: 5, chunk: 4 });
    try {
      await expect(prefillGpu(model, PROMPT, GREEDY, 0)).rejects.toThrow(/prompt has 6 tokens; the context holds 5 positions/);
    } finally {
      model.destroy();
    }
  });
});

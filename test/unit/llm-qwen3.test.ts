// Qwen3 dense (config.json model_type "qwen3", GGUF general.architecture "qwen3"): Llama's path plus an RMSNorm of
// each q head and each k head before RoPE, and heads wider than D / heads (pure TS, no GPU).
import { describe, it, expect } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, linearF32, type ModelWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { configFromGguf, configFromHf, parameterCount, ropeInvFreq, type ModelConfig } from '../../src/llm/config.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_QWEN3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { readGguf } from '../../src/llm/gguf.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import { forwardOps, vectorParamBytes } from '../../src/models/forward.ts';
import { simulateModel } from '../../src/models/index.ts';
import { chipPreset } from '../../src/chip/presets.ts';

const stFiles = (spec: TestModelSpec) => Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b));
const ggufFile = (spec: TestModelSpec) => [bytesSource('model.gguf', writeGgufModel(spec))];
const PROMPT = [5, 77, 200, 31, 9, 150];

async function logitsOf(files: ReturnType<typeof stFiles>, tokens: number[]) {
  const m = await openModel(files);
  return new CpuModel(m.config, await loadAllWeights(m), 32).forward(tokens);
}

/**
 * The last token's logits of a Qwen3 forward over `tokens` from position 0, written out straight from Hugging Face's
 * Qwen3 (f64, no cache, no op list): q = RoPE(q_norm(q_proj(x) per head)), k likewise, GQA causal softmax attention,
 * o_proj, SwiGLU MLP. `normAfterRope` swaps the order (what a misplaced norm would compute).
 */
function naiveQwen3(c: ModelConfig, W: ModelWeights, tokens: number[], normAfterRope = false): Float64Array {
  const D = c.dim, dh = c.headDim, Hq = c.nHeads, Hkv = c.nKvHeads, F = c.ffnDim, T = tokens.length;
  const Nq = Hq * dh, Nkv = Hkv * dh, eps = c.normEps, inv = ropeInvFreq(c), half = dh / 2;
  const mv = (w: Float32Array, N: number, K: number, x: ArrayLike<number>) => Array.from({ length: N }, (_, n) => { let s = 0; for (let k = 0; k < K; k++) s += w[n * K + k] * x[k]; return s; });
  const rms = (x: number[], g: Float32Array) => { const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps); return x.map((v, i) => v * r * g[i]); };
  const rope = (x: number[], p: number) => x.map((v, i) => (i < half ? v * Math.cos(p * inv[i]) - x[i + half] * Math.sin(p * inv[i]) : v * Math.cos(p * inv[i - half]) + x[i - half] * Math.sin(p * inv[i - half])));
  const qk = (x: number[], g: Float32Array, p: number) => (normAfterRope ? rms(rope(x, p), g) : rope(rms(x, g), p));
  let x = tokens.map((t) => Array.from(W.tokEmb.subarray(t * D, (t + 1) * D)));
  for (const L of W.layers) {
    const wqkv = linearF32(L.wqkv), wo = linearF32(L.wo), wUp = linearF32(L.wUp), wDown = linearF32(L.wDown);
    const qkv = x.map((r) => mv(wqkv, Nq + 2 * Nkv, D, rms(r, L.attnNorm)));
    const q = qkv.map((r, t) => Array.from({ length: Hq }, (_, h) => qk(r.slice(h * dh, (h + 1) * dh), L.qNorm!, t)));
    const k = qkv.map((r, t) => Array.from({ length: Hkv }, (_, h) => qk(r.slice(Nq + h * dh, Nq + (h + 1) * dh), L.kNorm!, t)));
    const v = qkv.map((r) => Array.from({ length: Hkv }, (_, h) => r.slice(Nq + Nkv + h * dh, Nq + Nkv + (h + 1) * dh)));
    x = x.map((r, t) => {
      const o: number[] = [];
      for (let h = 0; h < Hq; h++) {
        const g = Math.floor(h / (Hq / Hkv));
        const s = Array.from({ length: t + 1 }, (_, j) => q[t][h].reduce((a, qv, i) => a + qv * k[j][g][i], 0) / Math.sqrt(dh));
        const mx = Math.max(...s), e = s.map((z) => Math.exp(z - mx)), z = e.reduce((a, b) => a + b, 0);
        for (let i = 0; i < dh; i++) o.push(e.reduce((a, p, j) => a + (p / z) * v[j][g][i], 0));
      }
      const y = r.map((val, i) => val + mv(wo, D, Nq, o)[i]);
      const gu = mv(wUp, 2 * F, D, rms(y, L.ffnNorm));
      const hh = Array.from({ length: F }, (_, f) => (gu[f] / (1 + Math.exp(-gu[f]))) * gu[F + f]);
      const down = mv(wDown, D, F, hh);
      return y.map((val, i) => val + down[i]);
    });
  }
  return Float64Array.from(mv(linearF32(W.lmHead), c.vocabSize, D, rms(x[T - 1], W.outNorm)));
}

describe('Qwen3: q/k norms per head before RoPE, head_dim set apart from D / heads', () => {
  it('config.json and GGUF read as the same architecture (head 16 of D 32: q has 2·D rows, wo is [D, 2·D])', async () => {
    for (const files of [stFiles(TINY_QWEN3), ggufFile(TINY_QWEN3)]) {
      const m = await openModel(files);
      expect(m.config).toMatchObject({ arch: 'llama', dim: 32, nHeads: 4, nKvHeads: 2, headDim: 16, qkNorm: true, qkvBias: false, attentionWindow: null });
      const L = (await loadAllWeights(m)).layers[0];
      expect([L.wqkv.N, L.wqkv.K, L.wo.N, L.wo.K, L.qNorm?.length, L.kNorm?.length]).toEqual([64 + 2 * 32, 32, 32, 64, 16, 16]);
    }
    const meta = (await readGguf(ggufFile(TINY_QWEN3)[0])).metadata;
    expect([meta.get('general.architecture'), meta.get('qwen3.attention.key_length'), meta.has('qwen3.rope.dimension_count')]).toEqual(['qwen3', 16, false]);
  });

  it('GGUF f32 equals safetensors f32 (atol 1e-5)', async () => {
    const a = await logitsOf(stFiles(TINY_QWEN3), PROMPT);
    const b = await logitsOf(ggufFile(TINY_QWEN3), PROMPT);
    const cmp = compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
  });

  it('the CPU reference equals Hugging Face Qwen3 written out (f64); dropping the q/k norms, or applying them after RoPE, does not', async () => {
    const m = await openModel(stFiles(TINY_QWEN3));
    const w = await loadAllWeights(m);
    const ours = new CpuModel(m.config, w, 32).forward(PROMPT);
    const hf = Float32Array.from(naiveQwen3(m.config, w, PROMPT));
    const cmp = compareArrays('logits', ours, hf, { atol: 1e-4, rtol: 1e-4 }, [hf.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    // the norms move the logits: the same weights without them, and with them after RoPE
    const noNorm = new CpuModel({ ...m.config, qkNorm: false }, w, 32).forward(PROMPT);
    const after = Float32Array.from(naiveQwen3(m.config, w, PROMPT, true));
    for (const other of [noNorm, after]) {
      let diff = 0;
      for (let i = 0; i < hf.length; i++) diff = Math.max(diff, Math.abs(other[i] - hf[i]));
      expect(diff).toBeGreaterThan(0.05);
    }
  });

  it('the op list: q-norm and k-norm (RMSNorm over rows of head_dim) between qkv and RoPE; the KV cache gives the same logits as recomputing', async () => {
    const m = await openModel(stFiles(TINY_QWEN3));
    const ops = forwardOps(m.config, { phase: 'decode', M: 1, pos0: 3, capacity: 16, int8: false, topK: 1, temperature: 0, u: 0 }).filter((o) => o.layer === 0);
    expect(ops.slice(1, 5).map((o) => o.name)).toEqual(['qkv', 'q-norm', 'k-norm', 'rope-q']);
    const [qn, kn] = [ops[2], ops[3]];
    expect([qn.plan.kernel, qn.plan.params.M, qn.plan.params.D, qn.bind.X, qn.bind.Y, kn.plan.params.M, kn.bind.X, kn.bind.Y]).toEqual(['rmsnorm', 4, 16, 'q', 'qn', 2, 'k', 'kn']);
    expect(ops.find((o) => o.name === 'rope-q')!.bind.X).toBe('qn');
    expect(ops.find((o) => o.name === 'k-cache')!.bind.X).toBe('kn');
    const w = await loadAllWeights(m);
    const inc = new CpuModel(m.config, w, 16);
    inc.forward(PROMPT.slice(0, 4));
    inc.forward([PROMPT[4]]);
    const a = inc.forward([PROMPT[5]]);
    const b = new CpuModel(m.config, w, 16).forward(PROMPT);
    expect(compareArrays('logits', a, b, { atol: 1e-5, rtol: 1e-5 }, [a.length]).ok).toBe(true);
  });

  it("Qwen3-0.6B's config.json: 16 heads of 128 in D 1024, q/k norms, tied, no window; 596,049,920 parameters", () => {
    const c = qwen3_06b();
    expect(c).toMatchObject({ dim: 1024, nHeads: 16, nKvHeads: 8, headDim: 128, qkNorm: true, qkvBias: false, tiedEmbeddings: true, attentionWindow: null, normEps: 1e-6 });
    // 0.6B, 0.44B without the embedding (the model card's figures); the q/k norms are 2 · 128 per layer
    expect(parameterCount(c)).toBe(596_049_920);
  });

  it('the chip model costs q-norm and k-norm as vector ops (RMSNorm over rows of head_dim, per chip share of heads) and counts their gains', () => {
    const c = qwen3_06b(), fp8 = { weights: 'fp8', mlpWeights: 'fp8', kv: 'fp8' } as const;
    for (const P of [1, 2]) {
      const deploy = { batch: 4, formats: fp8, tensorParallel: P, fusedQkv: true, chipTiles: 132, firstLayerOnly: true };
      const ops = forwardOps(c, { phase: 'decode', M: 1, pos0: 100, deploy }).filter((o) => o.layer === 0);
      expect(ops.slice(0, 5).map((o) => o.name)).toEqual(['attn-norm', 'qkv', 'q-norm', 'k-norm', 'rope']);
      const [qn, kn] = [ops[2], ops[3]];
      // rows: batch x the chip's heads (16 / P query, 8 / P KV); columns: head_dim 128; RMSNorm's 4 vector ops per element
      expect([qn.kind, qn.source, qn.plan.params, qn.plan.flops]).toEqual(['norm', 'analytic:head-rmsnorm', { rows: 4 * 16 / P, cols: 128 }, 4 * (16 / P) * 128 * 4]);
      expect([kn.kind, kn.plan.params, kn.covers]).toEqual(['norm', { rows: 4 * 8 / P, cols: 128 }, ['k-norm']]);
      // the gain (128, bf16) is read beside the rows
      expect(qn.plan.tensors.filter((t) => t.role === 'weight').map((t) => [t.name, t.bytes])).toEqual([['gain', 256]]);
    }
    // two gains of 128 per layer at 2 bytes
    expect(vectorParamBytes(c).layer - vectorParamBytes({ ...c, qkNorm: false }).layer).toBe(2 * 128 * 2);
    const chip = chipPreset('h100').config;
    const r = simulateModel(chip, c, { phase: 'decode', context: 1024, batch: 1 });
    const without = simulateModel(chip, { ...c, qkNorm: false }, { phase: 'decode', context: 1024, batch: 1 });
    const normTime = r.ops.filter((o) => o.name === 'q-norm' || o.name === 'k-norm').reduce((t, o) => t + o.timeS, 0);
    expect(normTime).toBeGreaterThan(0);
    expect(r.timeS).toBeGreaterThan(without.timeS);
  });

  it('a qwen3 GGUF whose RoPE covers part of the head, or without attn_q_norm, is refused by name', async () => {
    const bytes = writeGgufModel(TINY_QWEN3);
    const g = await readGguf(bytesSource('m.gguf', bytes));
    const meta = new Map(g.metadata);
    meta.set('qwen3.rope.dimension_count', 8);
    expect(() => configFromGguf(meta, true, false)).toThrow(/^GGUF qwen3: rope\.dimension_count 8 rotates part of a head of 16/);
    // the tensor's name changed in place (same length): the file has no blk.1.attn_q_norm.weight
    const from = new TextEncoder().encode('blk.1.attn_q_norm'), to = new TextEncoder().encode('blk.1.attn_q_nrm_');
    const out = bytes.slice();
    let n = 0;
    for (let i = 0; i + from.length <= out.length; i++) if (from.every((c, j) => out[i + j] === c)) { out.set(to, i); n++; }
    expect(n).toBe(1);
    const m = await openModel([bytesSource('m.gguf', out)]);
    await expect(loadAllWeights(m)).rejects.toThrow(/blk\.1\.attn_q_norm\.weight/);
  });
});

/** Qwen3-0.6B's config.json (huggingface.co/Qwen/Qwen3-0.6B/blob/main/config.json: the fields configFromHf reads). */
function qwen3_06b(): ModelConfig {
  return configFromHf({
    model_type: 'qwen3', vocab_size: 151936, hidden_size: 1024, intermediate_size: 3072, num_hidden_layers: 28, num_attention_heads: 16,
    num_key_value_heads: 8, head_dim: 128, max_position_embeddings: 40960, rms_norm_eps: 1e-6, rope_theta: 1000000, rope_scaling: null,
    hidden_act: 'silu', attention_bias: false, tie_word_embeddings: true, use_sliding_window: false, sliding_window: null, max_window_layers: 28,
  });
}

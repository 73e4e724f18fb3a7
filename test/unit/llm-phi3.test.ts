// Phi-3 (config.json model_type "phi3", GGUF general.architecture "phi3"): Llama's math with q/k/v and gate/up stored
// fused, and LongRoPE (per-frequency factors, short or long by the context, and an attention factor on cos / sin) for
// the 128k / 3.5 models (pure TS, no GPU).
import { describe, it, expect } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, linearF32, type ModelWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { archText, configFromGguf, configFromHf, parameterCount, type ModelConfig } from '../../src/llm/config.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_LLAMA, TINY_PHI3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { readGguf } from '../../src/llm/gguf.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import { forwardOps } from '../../src/models/forward.ts';
import { simulateModel } from '../../src/models/index.ts';
import { chipPreset } from '../../src/chip/presets.ts';

const stFiles = (spec: TestModelSpec) => Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b));
const ggufFile = (spec: TestModelSpec) => [bytesSource('model.gguf', writeGgufModel(spec))];
// 20 tokens: past TINY_PHI3's original context of 16, where transformers switches to the long factors
const LONG_PROMPT = [5, 77, 200, 31, 9, 150, 44, 3, 120, 250, 17, 4, 99, 280, 60, 61, 62, 7, 8, 90];
const SHORT_PROMPT = LONG_PROMPT.slice(0, 6);

async function logitsOf(files: ReturnType<typeof stFiles>, tokens: number[], capacity: number) {
  const m = await openModel(files);
  return new CpuModel(m.config, await loadAllWeights(m), capacity).forward(tokens);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i])); return d; };

/**
 * The last token's logits of Hugging Face's Phi3ForCausalLM over `tokens` from position 0, written out from
 * modeling_phi3.py and modeling_rope_utils.py (f64, no cache, no op list): config.json as the file has it; per layer
 * qkv = qkv_proj(rms(x)) split [q | k | v] by num_heads · head_dim and num_key_value_heads · head_dim, rotate-half RoPE
 * with inv_freq = 1 / (ext · θ^(2i/d)) where ext is long_factor if the sequence (max position + 1) exceeds
 * original_max_position_embeddings else short_factor, cos and sin times the attention factor
 * sqrt(1 + ln(max / original) / ln(original)); GQA causal softmax(q·k / sqrt(d)); o_proj; gate, up = gate_up_proj(rms(y))
 * chunked in two, up · silu(gate); down_proj. `ignoreLongRope`: plain RoPE (what a loader that dropped rope_scaling runs).
 */
interface Phi3Json {
  hidden_size: number; num_attention_heads: number; num_key_value_heads: number; intermediate_size: number; rms_norm_eps: number; vocab_size: number;
  max_position_embeddings: number; original_max_position_embeddings: number; rope_theta: number;
  rope_scaling: { short_factor: number[]; long_factor: number[] } | null;
}

function naivePhi3(cfg: Phi3Json, W: ModelWeights, tokens: number[], ignoreLongRope = false): Float64Array {
  const D = cfg.hidden_size, Hq = cfg.num_attention_heads, Hkv = cfg.num_key_value_heads, dh = D / Hq, F = cfg.intermediate_size, T = tokens.length;
  const eps = cfg.rms_norm_eps, half = dh / 2, V = cfg.vocab_size;
  const rs = ignoreLongRope ? null : cfg.rope_scaling;
  const orig = cfg.original_max_position_embeddings, scale = cfg.max_position_embeddings / orig;
  const ext: number[] = rs ? (T > orig ? rs.long_factor : rs.short_factor) : new Array(half).fill(1);
  const mscale = rs && scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(orig)) : 1;
  const inv = Array.from({ length: half }, (_, i) => 1 / (ext[i] * Math.pow(cfg.rope_theta, (2 * i) / dh)));
  const mv = (w: Float32Array, N: number, K: number, x: ArrayLike<number>) => Array.from({ length: N }, (_, n) => { let s = 0; for (let k = 0; k < K; k++) s += w[n * K + k] * x[k]; return s; });
  const rms = (x: number[], g: Float32Array) => { const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps); return x.map((v, i) => v * r * g[i]); };
  const cos = (p: number, i: number) => Math.cos(p * inv[i % half]) * mscale, sin = (p: number, i: number) => Math.sin(p * inv[i % half]) * mscale;
  const rope = (x: number[], p: number) => x.map((v, i) => v * cos(p, i) + (i < half ? -x[i + half] : x[i - half]) * sin(p, i));
  let x = tokens.map((t) => Array.from(W.tokEmb.subarray(t * D, (t + 1) * D)));
  for (const L of W.layers) {
    const wqkv = linearF32(L.wqkv), wo = linearF32(L.wo), wUp = linearF32(L.wUp), wDown = linearF32(L.wDown);
    const qPos = Hq * dh, kvLen = Hkv * dh;
    const qkv = x.map((r) => mv(wqkv, qPos + 2 * kvLen, D, rms(r, L.attnNorm)));
    const q = qkv.map((r, t) => Array.from({ length: Hq }, (_, h) => rope(r.slice(h * dh, (h + 1) * dh), t)));
    const k = qkv.map((r, t) => Array.from({ length: Hkv }, (_, h) => rope(r.slice(qPos + h * dh, qPos + (h + 1) * dh), t)));
    const v = qkv.map((r) => Array.from({ length: Hkv }, (_, h) => r.slice(qPos + kvLen + h * dh, qPos + kvLen + (h + 1) * dh)));
    x = x.map((r, t) => {
      const o: number[] = [];
      for (let h = 0; h < Hq; h++) {
        const g = Math.floor(h / (Hq / Hkv));
        const s = Array.from({ length: t + 1 }, (_, j) => q[t][h].reduce((a, qv, i) => a + qv * k[j][g][i], 0) / Math.sqrt(dh));
        const mx = Math.max(...s), e = s.map((z) => Math.exp(z - mx)), z = e.reduce((a, b) => a + b, 0);
        for (let i = 0; i < dh; i++) o.push(e.reduce((a, p, j) => a + (p / z) * v[j][g][i], 0));
      }
      const y = r.map((val, i) => val + mv(wo, D, qPos, o)[i]);
      const upStates = mv(wUp, 2 * F, D, rms(y, L.ffnNorm));
      const hh = Array.from({ length: F }, (_, f) => upStates[F + f] * (upStates[f] / (1 + Math.exp(-upStates[f]))));
      const down = mv(wDown, D, F, hh);
      return y.map((val, i) => val + down[i]);
    });
  }
  return Float64Array.from(mv(linearF32(W.lmHead), V, D, rms(x[T - 1], W.outNorm)));
}

describe('Phi-3: fused qkv and gate_up, LongRoPE', () => {
  it('config.json and GGUF read as the same architecture: phi3 run as llama, fused tensors in our [q | k | v], [gate | up] layout', async () => {
    for (const files of [stFiles(TINY_PHI3), ggufFile(TINY_PHI3)]) {
      const m = await openModel(files);
      expect(m.config).toMatchObject({ arch: 'llama', family: 'phi3', dim: 64, nHeads: 4, nKvHeads: 2, headDim: 16, qkvBias: false, attentionWindow: null, tiedEmbeddings: false });
      expect(archText(m.config)).toBe('phi3 (run as llama)');
      const lr = m.config.positions.kind === 'rope' ? m.config.positions.freqFactors : undefined;
      expect(lr?.originalMaxPositions).toBe(16);
      expect(lr?.attentionFactor).toBeCloseTo(Math.sqrt(1 + Math.log(4) / Math.log(16)), 6);
      expect([lr?.short.length, lr?.long.length]).toEqual([8, 8]);
      const L = (await loadAllWeights(m)).layers[0];
      expect([L.wqkv.N, L.wqkv.K, L.wUp.N, L.wUp.K]).toEqual([64 + 2 * 32, 64, 2 * 96, 64]);
    }
    const g = await readGguf(ggufFile(TINY_PHI3)[0]);
    expect(g.tensors.map((t) => t.name).filter((n) => n.startsWith('blk.0.') || n.startsWith('rope_'))).toEqual([
      'rope_factors_long.weight', 'rope_factors_short.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_qkv.weight', 'blk.0.attn_output.weight',
      'blk.0.ffn_norm.weight', 'blk.0.ffn_up.weight', 'blk.0.ffn_down.weight',
    ]);
  });

  it('GGUF f32 equals safetensors f32 (atol 1e-5), with the long factors (context 32 > 16) and the short ones (context 16)', async () => {
    for (const [tokens, capacity] of [[LONG_PROMPT, 32], [SHORT_PROMPT, 16]] as const) {
      const a = await logitsOf(stFiles(TINY_PHI3), [...tokens], capacity);
      const b = await logitsOf(ggufFile(TINY_PHI3), [...tokens], capacity);
      const cmp = compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
    }
  });

  it('f16 files keep the fused linears as stored (qkv_proj / attn_qkv as three row ranges q, k, v; gate_up_proj / ffn_up as one) and give the logits of the same f16 Llama stored unfused', async () => {
    const spec: TestModelSpec = { ...TINY_LLAMA, phi3: true, dtype: 'f16' };
    for (const fmt of [stFiles, ggufFile]) {
      const m = await openModel(fmt(spec));
      expect([m.ggml?.['L0.wqkv'], m.ggml?.['L1.wUp']]).toEqual([[{ format: 'f16', N: 64 }, { format: 'f16', N: 32 }, { format: 'f16', N: 32 }], [{ format: 'f16', N: 192 }]]);
      const a = new CpuModel(m.config, await loadAllWeights(m), 32).forward(LONG_PROMPT);
      const b = await logitsOf(fmt({ ...TINY_LLAMA, dtype: 'f16' }), LONG_PROMPT, 32);
      const cmp = compareArrays('logits', a, b, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
    }
  });

  it('the CPU reference equals Hugging Face Phi-3 written out (f64) for long and short factors; ignoring LongRoPE, or the other factor set, does not', async () => {
    const files = writeSafetensorsModel(TINY_PHI3);
    const cfg = JSON.parse(new TextDecoder().decode(files['config.json']));
    const m = await openModel(stFiles(TINY_PHI3));
    const w = await loadAllWeights(m);
    // transformers picks the factors by the sequence (20 > 16: long; 6: short), ours by the context: the same here
    for (const [tokens, capacity] of [[LONG_PROMPT, 32], [SHORT_PROMPT, 16]] as const) {
      const ours = new CpuModel(m.config, w, capacity).forward([...tokens]);
      const hf = Float32Array.from(naivePhi3(cfg, w, [...tokens]));
      const cmp = compareArrays('logits', ours, hf, { atol: 1e-4, rtol: 1e-4 }, [hf.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
      expect(maxDiff(naivePhi3(cfg, w, [...tokens], true), hf)).toBeGreaterThan(0.05);
    }
    // the long factors at context 16 (where they do not apply) move the logits
    const otherSet = new CpuModel(m.config, w, 32).forward(SHORT_PROMPT);
    expect(maxDiff(otherSet, naivePhi3(cfg, w, SHORT_PROMPT))).toBeGreaterThan(0.05);
  });

  it('without rope_scaling, a Phi-3 file is the Llama model of the same weights stored fused (same logits)', async () => {
    const spec: TestModelSpec = { ...TINY_LLAMA, phi3: true };
    for (const fmt of [stFiles, ggufFile]) {
      const a = await logitsOf(fmt(spec), LONG_PROMPT, 32);
      const b = await logitsOf(fmt(TINY_LLAMA), LONG_PROMPT, 32);
      const cmp = compareArrays('logits', a, b, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
    }
  });

  it("Phi-3-mini-4k's config.json: window 2047 (transformers applies it), 3.82 B parameters; the op list and chip model are Llama's", () => {
    const c = phi3Mini4k();
    expect(c).toMatchObject({ family: 'phi3', dim: 3072, nHeads: 32, nKvHeads: 32, headDim: 96, ffnDim: 8192, attentionWindow: 2047, tiedEmbeddings: false, qkvBias: false });
    expect(c.positions).toEqual({ kind: 'rope', theta: 10000, scaling: null });
    expect(parameterCount(c)).toBe(3_821_079_552);
    const llama = { ...c, family: undefined };
    const names = (x: ModelConfig) => forwardOps(x, { phase: 'decode', M: 1, pos0: 3, capacity: 16, int8: false, topK: 1, temperature: 0, u: 0 }).map((o) => o.name);
    expect(names(c)).toEqual(names(llama));
    const chip = chipPreset('h100').config;
    expect(simulateModel(chip, c, { phase: 'decode', context: 1024, batch: 1 }).timeS).toBe(simulateModel(chip, llama, { phase: 'decode', context: 1024, batch: 1 }).timeS);
  });

  it("Phi-3.5-mini's LongRoPE from config.json (type longrope, and the older su): original 4096, attention factor sqrt(1 + ln 32 / ln 4096)", () => {
    for (const type of ['longrope', 'su']) {
      const c = configFromHf({ ...PHI3_MINI_4K, max_position_embeddings: 131072, original_max_position_embeddings: 4096, sliding_window: 262144, rope_scaling: { type, short_factor: new Array(48).fill(1.05), long_factor: new Array(48).fill(2) } });
      const lr = c.positions.kind === 'rope' ? c.positions.freqFactors : undefined;
      expect(lr?.originalMaxPositions).toBe(4096);
      expect(lr?.attentionFactor).toBeCloseTo(1.190238, 6);
      expect(c.attentionWindow).toBe(262144);
    }
  });

  it('refused with one line each: partial RoPE (Phi-4-mini), YaRN scaling, factors of the wrong length, a GGUF with one factor tensor or partial rope dims', async () => {
    expect(() => configFromHf({ ...PHI3_MINI_4K, partial_rotary_factor: 0.75 })).toThrow(/^config\.json: partial_rotary_factor 0\.75 \(RoPE on part of each head, e\.g\. Phi-4-mini\) is not supported/);
    expect(() => configFromHf({ ...PHI3_MINI_4K, rope_scaling: { type: 'yarn', factor: 4 } })).toThrow(/^config\.json: rope_scaling type "yarn" is not supported \(linear, llama3, longrope, default\)$/);
    expect(() => configFromHf({ ...PHI3_MINI_4K, rope_scaling: { type: 'longrope', short_factor: [1], long_factor: [1] } })).toThrow(/^config\.json: rope_scaling\.short_factor must be 48 positive numbers/);
    const g = await readGguf(ggufFile(TINY_PHI3)[0]);
    expect(() => configFromGguf(new Map([...g.metadata, ['phi3.rope.dimension_count', 12]]), true, false)).toThrow(/^GGUF phi3: rope\.dimension_count 12 rotates part of a head of 16 \(partial RoPE, e\.g\. Phi-4-mini, is not supported\)$/);
    expect(() => configFromGguf(g.metadata, true, false, 'm.gguf', { long: new Float32Array(8) })).toThrow(/^GGUF phi3: rope_factors_short\.weight is missing/);
    // llama.cpp ignores a phi3 file's sliding window (src/models/phi3.cpp: "Phi SWA is currently disabled"); so do we
    expect(configFromGguf(new Map([...g.metadata, ['phi3.attention.sliding_window', 2047]]), true, false).attentionWindow).toBeNull();
  });
});

/** Phi-3-mini-4k-instruct's config.json (huggingface.co/microsoft/Phi-3-mini-4k-instruct/blob/main/config.json: the fields configFromHf reads). */
const PHI3_MINI_4K = {
  model_type: 'phi3', vocab_size: 32064, hidden_size: 3072, intermediate_size: 8192, num_hidden_layers: 32, num_attention_heads: 32,
  num_key_value_heads: 32, max_position_embeddings: 4096, original_max_position_embeddings: 4096, rms_norm_eps: 1e-5, rope_theta: 10000,
  rope_scaling: null, hidden_act: 'silu', sliding_window: 2047, tie_word_embeddings: false, attention_bias: false,
};
const phi3Mini4k = (): ModelConfig => configFromHf(PHI3_MINI_4K);

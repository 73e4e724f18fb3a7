// Gemma 3 text models (config.json model_type "gemma3_text", GGUF general.architecture "gemma3"): the config readers
// (and their refusals), the same logits from safetensors and GGUF, the CPU reference against Hugging Face's Gemma 3
// written out here in f64 from the raw file (its (1 + w) norms, sandwich norms, GeGLU, sqrt(D) embeddings, a window on
// five layers of six and full attention on the sixth, each with its RoPE base), the op list and the chip model
// (pure TS, no GPU; the GPU path: test/gpu/llm-gemma3.test.ts; llama.cpp: test/gpu/llamacpp-oracle.ts).
import { describe, it, expect } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel, loadAllWeights } from '../../src/llm/weights.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { configFromGguf, configFromHf, parameterCount, type ModelConfig } from '../../src/llm/config.ts';
import { writeGgufModel, writeSafetensorsModel, hfConfig, testVocab, TINY_GEMMA3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { readGguf, type GgufValue } from '../../src/llm/gguf.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import { planTotals } from '../../src/kernels/plan.ts';
import { forwardOps, vectorParamBytes } from '../../src/models/forward.ts';
import { simulateModel } from '../../src/models/index.ts';
import { chipPreset } from '../../src/chip/presets.ts';

const stFiles = (spec: TestModelSpec) => Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b));
const ggufFile = (spec: TestModelSpec) => [bytesSource('model.gguf', writeGgufModel(spec))];
// 10 tokens: past the window of 4, so the windowed layers and the full-attention layer 5 see different keys
const PROMPT = [5, 77, 200, 31, 9, 150, 42, 260, 18, 99];
const CAP = 32;

async function logitsOf(files: ReturnType<typeof stFiles>, tokens: number[]) {
  const m = await openModel(files);
  return new CpuModel(m.config, await loadAllWeights(m), CAP).forward(tokens);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** The f32 tensors of a safetensors file by name, parsed here (the test's own reader, not the loader's). */
function rawTensors(bytes: Uint8Array): Map<string, Float64Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const out = new Map<string, Float64Array>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    expect(t.dtype).toBe('F32');
    const [a, b] = t.data_offsets;
    out.set(name, Float64Array.from(new Float32Array(bytes.slice(8 + n + a, 8 + n + b).buffer)));
  }
  return out;
}

/**
 * The last token's logits of transformers' Gemma3ForCausalLM (modeling_gemma3.py) over `tokens` from position 0,
 * written out in f64 from config.json and the raw tensors (no cache, no op list): x = embed · sqrt(hidden_size); per
 * layer h = RMSNorm(x)·(1 + w); q, k, v; q_norm / k_norm per head (1 + w); RoPE (rotate_half) with
 * rope_local_base_freq on "sliding_attention" layers, rope_theta / linear factor on the others; scores ·
 * query_pre_attn_scalar^-1/2, causal, and on sliding layers only keys t − j < sliding_window; o_proj;
 * post_attention_layernorm; residual; pre_feedforward_layernorm; down(gelu_tanh(gate) · up);
 * post_feedforward_layernorm; residual; final norm; the tied head. `windowOn` overrides which layers are windowed (the
 * mask only; each layer keeps its RoPE base).
 */
function hfGemma3(cfg: Record<string, unknown>, T: Map<string, Float64Array>, tokens: number[], windowOn?: (l: number) => boolean): Float64Array {
  const n = (k: string) => cfg[k] as number;
  const D = n('hidden_size'), H = n('num_attention_heads'), Hkv = n('num_key_value_heads'), dh = n('head_dim'), F = n('intermediate_size'), V = n('vocab_size');
  const eps = n('rms_norm_eps'), W = n('sliding_window'), types = cfg.layer_types as string[], scaling = cfg.rope_scaling as { factor: number } | null;
  const w = (name: string) => T.get(name)!;
  const mv = (m: Float64Array, N: number, K: number, x: number[]) => Array.from({ length: N }, (_, i) => { let s = 0; for (let k = 0; k < K; k++) s += m[i * K + k] * x[k]; return s; });
  const rms = (x: number[], g: Float64Array) => { const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps); return x.map((v, i) => v * r * (1 + g[i])); };
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const emb = w('model.embed_tokens.weight');
  let x = tokens.map((t) => Array.from(emb.subarray(t * D, (t + 1) * D), (v) => v * Math.sqrt(D)));
  for (let l = 0; l < n('num_hidden_layers'); l++) {
    const p = `model.layers.${l}.`;
    const sliding = types[l] === 'sliding_attention', masked = windowOn ? windowOn(l) : sliding;
    const theta = sliding ? n('rope_local_base_freq') : n('rope_theta'), factor = !sliding && scaling ? scaling.factor : 1;
    const inv = Array.from({ length: dh / 2 }, (_, i) => 1 / theta ** ((2 * i) / dh) / factor);
    const rope = (v: number[], pos: number) => v.map((a, i) => {
      const j = i % (dh / 2), c = Math.cos(pos * inv[j]), s = Math.sin(pos * inv[j]);
      return i < dh / 2 ? a * c - v[i + dh / 2] * s : a * c + v[i - dh / 2] * s;
    });
    const h = x.map((r) => rms(r, w(p + 'input_layernorm.weight')));
    const heads = (name: string, nh: number, norm: string | null) => h.map((r, t) => {
      const y = mv(w(p + name), nh * dh, D, r);
      return Array.from({ length: nh }, (_, i) => { const v = y.slice(i * dh, (i + 1) * dh); return norm ? rope(rms(v, w(p + norm)), t) : v; });
    });
    const q = heads('self_attn.q_proj.weight', H, 'self_attn.q_norm.weight'), k = heads('self_attn.k_proj.weight', Hkv, 'self_attn.k_norm.weight'), v = heads('self_attn.v_proj.weight', Hkv, null);
    x = x.map((r, t) => {
      const o: number[] = [];
      for (let hh = 0; hh < H; hh++) {
        const g = Math.floor(hh / (H / Hkv));
        const seen = Array.from({ length: t + 1 }, (_, j) => j).filter((j) => !masked || t - j < W);
        const s = seen.map((j) => q[t][hh].reduce((a, qv, i) => a + qv * k[j][g][i], 0) * n('query_pre_attn_scalar') ** -0.5);
        const mx = Math.max(...s), e = s.map((z) => Math.exp(z - mx)), z = e.reduce((a, b) => a + b, 0);
        for (let i = 0; i < dh; i++) o.push(seen.reduce((a, j, jj) => a + (e[jj] / z) * v[j][g][i], 0));
      }
      const attn = rms(mv(w(p + 'self_attn.o_proj.weight'), D, H * dh, o), w(p + 'post_attention_layernorm.weight'));
      const y = r.map((val, i) => val + attn[i]);
      const hn = rms(y, w(p + 'pre_feedforward_layernorm.weight'));
      const gate = mv(w(p + 'mlp.gate_proj.weight'), F, D, hn), up = mv(w(p + 'mlp.up_proj.weight'), F, D, hn);
      const mlp = rms(mv(w(p + 'mlp.down_proj.weight'), D, F, gate.map((gv, i) => gelu(gv) * up[i])), w(p + 'post_feedforward_layernorm.weight'));
      return y.map((val, i) => val + mlp[i]);
    });
  }
  return Float64Array.from(mv(emb, V, D, rms(x[x.length - 1], w('model.norm.weight'))));
}

function hfOf(spec: TestModelSpec) {
  const files = writeSafetensorsModel(spec);
  return { cfg: JSON.parse(new TextDecoder().decode(files['config.json'])) as Record<string, unknown>, T: rawTensors(files['model.safetensors']) };
}

// gemma-3-1b-it's config.json (huggingface.co/google/gemma-3-1b-it/blob/main/config.json: the fields configFromHf reads)
const GEMMA3_1B = {
  architectures: ['Gemma3ForCausalLM'], model_type: 'gemma3_text', vocab_size: 262144, hidden_size: 1152, intermediate_size: 6912, num_hidden_layers: 26,
  num_attention_heads: 4, num_key_value_heads: 1, head_dim: 256, query_pre_attn_scalar: 256, sliding_window: 512, sliding_window_pattern: 6,
  rope_theta: 1000000, rope_local_base_freq: 10000, rope_scaling: null, max_position_embeddings: 32768, rms_norm_eps: 1e-6,
  hidden_activation: 'gelu_pytorch_tanh', attention_bias: false, final_logit_softcapping: null, attn_logit_softcapping: null,
};
// gemma-3-4b-it's text_config (its 34 layers, linear RoPE scaling 8 on the full-attention layers), as a gemma3_text config
const GEMMA3_4B_TEXT = { ...GEMMA3_1B, hidden_size: 2560, intermediate_size: 10240, num_hidden_layers: 34, num_attention_heads: 8, num_key_value_heads: 4, sliding_window: 1024, rope_scaling: { factor: 8.0, rope_type: 'linear' }, vocab_size: 262208 };
// gemma-3-27b's text_config: heads of 128 in 5376 = 32 x 168, query_pre_attn_scalar 168
const GEMMA3_27B_TEXT = { ...GEMMA3_4B_TEXT, hidden_size: 5376, intermediate_size: 21504, num_hidden_layers: 62, num_attention_heads: 32, num_key_value_heads: 16, head_dim: 128, query_pre_attn_scalar: 168 };

describe('Gemma 3 config readers', () => {
  it('gemma-3-1b-it: window 512 on 22 layers, full attention on 5, 11, 17, 23 (RoPE 1e6 there, 10000 on the others); 999,885,952 parameters', () => {
    const c = configFromHf(GEMMA3_1B);
    expect(c).toMatchObject({
      arch: 'llama', family: 'gemma3_text', dim: 1152, nHeads: 4, nKvHeads: 1, headDim: 256, mlp: 'geglu', qkNorm: true, postNorms: true, tiedEmbeddings: true,
      attentionWindow: 512, fullAttentionLayers: [5, 11, 17, 23], localRopeTheta: 10000, positions: { kind: 'rope', theta: 1e6, scaling: null }, embedScale: Math.fround(Math.sqrt(1152)),
    });
    expect(c.queryScale).toBeUndefined();
    // the published count (Gemma 3 technical report / the model card's 1B): tied embedding once, sandwich and q/k norms
    expect(parameterCount(c)).toBe(999_885_952);
    // layer_types (newer transformers) says the same as sliding_window_pattern
    const types = Array.from({ length: 26 }, (_, l) => ((l + 1) % 6 === 0 ? 'full_attention' : 'sliding_attention'));
    expect(configFromHf({ ...GEMMA3_1B, sliding_window_pattern: undefined, layer_types: types }).fullAttentionLayers).toEqual([5, 11, 17, 23]);
  });

  it('4B: linear RoPE scaling 8 on the full-attention layers; 27B: query_pre_attn_scalar 168 on heads of 128 becomes queryScale sqrt(128/168)', () => {
    expect(configFromHf(GEMMA3_4B_TEXT).positions).toEqual({ kind: 'rope', theta: 1e6, scaling: { linear: true, factor: 8 } });
    expect(configFromHf(GEMMA3_27B_TEXT).queryScale).toBeCloseTo(Math.sqrt(128 / 168), 12);
  });

  // [what, config.json, error]
  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ['the multimodal gemma3 config (text_config + vision)', { model_type: 'gemma3', text_config: GEMMA3_4B_TEXT }, /model_type "gemma3" \(Gemma3ForConditionalGeneration, text and vision\) is not supported/],
    ['logit softcapping (Gemma 2\'s)', { ...GEMMA3_1B, final_logit_softcapping: 30 }, /"final_logit_softcapping" 30 is not supported/],
    ['another activation', { ...GEMMA3_1B, hidden_activation: 'silu' }, /hidden_activation "silu" is not supported \(gelu_pytorch_tanh\)/],
    ['yarn RoPE scaling', { ...GEMMA3_1B, rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling type "yarn" is not supported \(linear, default\)/],
    ['bidirectional attention (EmbeddingGemma)', { ...GEMMA3_1B, use_bidirectional_attention: true }, /use_bidirectional_attention \(EmbeddingGemma\) is not supported/],
    ['RoPE as rope_parameters per layer type (not read: its bases and scaling would be lost)', { ...GEMMA3_1B, rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 } } }, /"rope_parameters" \(per layer type\) is not supported/],
    ['Gemma 2', { ...GEMMA3_1B, model_type: 'gemma2' }, /model_type "gemma2" is not supported \(llama, mistral, qwen2, qwen3, phi3, gemma3_text, gpt2\)/],
  ];
  for (const [what, raw, err] of refusals) it(`refused by name: ${what}`, () => expect(() => configFromHf(raw)).toThrow(err));

  it('GGUF gemma3: llama.cpp\'s pattern (l % 6 == 5 full), its 27B scale rule, rope.scaling.factor; no sliding_window or another scaling type refused', async () => {
    const g = await readGguf(ggufFile(TINY_GEMMA3)[0]);
    const c = configFromGguf(g.metadata, false, false);
    expect(c).toMatchObject({ family: 'gemma3', headDim: 16, attentionWindow: 4, fullAttentionLayers: [5], localRopeTheta: 10000, positions: { theta: 1000, scaling: { linear: true, factor: 4 } }, tiedEmbeddings: true });
    expect(c.queryScale).toBeUndefined();
    const meta = (extra: Array<[string, GgufValue]>) => new Map<string, GgufValue>([...g.metadata, ...extra]);
    // 62 layers (llama.cpp's 27B): scores by 1 / sqrt(D / heads) = 1 / sqrt(8), heads of 16: queries times sqrt(16 / 8)
    expect(configFromGguf(meta([['gemma3.block_count', 62]]), false, false)).toMatchObject({ queryScale: Math.sqrt(2), fullAttentionLayers: [5, 11, 17, 23, 29, 35, 41, 47, 53, 59] });
    const noWindow = meta([]);
    noWindow.delete('gemma3.attention.sliding_window');
    expect(() => configFromGguf(noWindow, false, false)).toThrow(/^GGUF gemma3: attention\.sliding_window is missing or 0/);
    expect(() => configFromGguf(meta([['gemma3.rope.scaling.type', 'yarn']]), false, false)).toThrow(/^GGUF gemma3: rope\.scaling\.type "yarn" is not supported/);
    expect(() => configFromGguf(meta([['gemma3.final_logit_softcapping', 30]]), false, false)).toThrow(/final_logit_softcapping 30 is not supported/);
    // llama.cpp's optional keys (src/models/gemma3.cpp): the pattern's period (0: every layer windowed) and the windowed layers' base
    expect(configFromGguf(meta([['gemma3.attention.sliding_window_pattern', 4], ['gemma3.rope.freq_base_swa', 500]]), false, false)).toMatchObject({ fullAttentionLayers: [3], localRopeTheta: 500 });
    expect(configFromGguf(meta([['gemma3.attention.sliding_window_pattern', 0]]), false, false)).toMatchObject({ fullAttentionLayers: [] });
    expect(() => configFromGguf(meta([['gemma3.attention.sliding_window_pattern', [true, false, true, true, true, false]]]), false, false)).toThrow(/^GGUF gemma3: attention\.sliding_window_pattern must be a period \(a non-negative integer\), got a per-layer array \(not supported\)$/);
  });
});

describe('tiny Gemma 3 (6 layers, window 4 on layers 0-4, full attention on layer 5), CPU reference', () => {
  it('GGUF f32 (norms stored as w + 1) equals safetensors f32 (stored as w) over 10 tokens (atol 1e-5)', async () => {
    const a = await logitsOf(stFiles(TINY_GEMMA3), PROMPT);
    const b = await logitsOf(ggufFile(TINY_GEMMA3), PROMPT);
    const cmp = compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
  });

  it('a pattern of 3 and a windowed-layer RoPE base of 500: GGUF (sliding_window_pattern, freq_base_swa) equals safetensors (layer_types, rope_local_base_freq), unlike the defaults', async () => {
    const spec = { ...TINY_GEMMA3, gemma3Pattern: 3, gemma3LocalBase: 500 };
    const a = await logitsOf(stFiles(spec), PROMPT);
    const b = await logitsOf(ggufFile(spec), PROMPT);
    const cmp = compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    // the same weights read with the default pattern and base (the keys left out) give other logits
    expect(maxDiff(await logitsOf(ggufFile(TINY_GEMMA3), PROMPT), a)).toBeGreaterThan(0.05);
  });

  it('equals Hugging Face Gemma 3 written out (f64); the window on every layer, on none, or one RoPE base for all, does not', async () => {
    const { cfg, T } = hfOf(TINY_GEMMA3);
    const ours = await logitsOf(stFiles(TINY_GEMMA3), PROMPT);
    const hf = hfGemma3(cfg, T, PROMPT);
    const cmp = compareArrays('logits', ours, Float32Array.from(hf), { atol: 1e-4, rtol: 1e-4 }, [hf.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    // what a uniform window would compute: the per-layer window moves the logits both ways
    expect(maxDiff(hfGemma3(cfg, T, PROMPT, () => true), hf)).toBeGreaterThan(0.05);
    expect(maxDiff(hfGemma3(cfg, T, PROMPT, () => false), hf)).toBeGreaterThan(0.05);
    // our reference, made to apply the window on every layer or on none, or one RoPE base on all, misses the write-out
    const m = await openModel(stFiles(TINY_GEMMA3));
    const w = await loadAllWeights(m);
    const variants: ModelConfig[] = [{ ...m.config, fullAttentionLayers: [] }, { ...m.config, attentionWindow: null, fullAttentionLayers: undefined }, { ...m.config, localRopeTheta: undefined }];
    for (const c of variants) expect(maxDiff(new CpuModel(c, w, CAP).forward(PROMPT), hf)).toBeGreaterThan(0.05);
    // and within the window (4 tokens) the three agree: the difference above is the window's
    const short = PROMPT.slice(0, 4), s0 = hfGemma3(cfg, T, short);
    expect(maxDiff(hfGemma3(cfg, T, short, () => true), s0)).toBeLessThan(1e-9);
    expect(maxDiff(hfGemma3(cfg, T, short, () => false), s0)).toBeLessThan(1e-9);
  });

  it('query_pre_attn_scalar apart from head_dim (27B-style, folded into the q-norm gains) still equals the write-out', async () => {
    const spec = { ...TINY_GEMMA3, queryPreAttnScalar: 6 };
    const { cfg, T } = hfOf(spec);
    const ours = await logitsOf(stFiles(spec), PROMPT);
    const hf = hfGemma3(cfg, T, PROMPT);
    const cmp = compareArrays('logits', ours, Float32Array.from(hf), { atol: 1e-4, rtol: 1e-4 }, [hf.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    expect(maxDiff(ours, await logitsOf(stFiles(TINY_GEMMA3), PROMPT))).toBeGreaterThan(0.05);
  });

  it('decode steps past the window over the KV cache give the logits of recomputing (each layer its window and RoPE base)', async () => {
    const m = await openModel(ggufFile(TINY_GEMMA3));
    const w = await loadAllWeights(m);
    const inc = new CpuModel(m.config, w, 16);
    inc.forward(PROMPT.slice(0, 3));
    let a: Float32Array = new Float32Array(0);
    for (const t of PROMPT.slice(3)) a = inc.forward([t]);
    const b = new CpuModel(m.config, w, 16).forward(PROMPT);
    const cmp = compareArrays('logits', a, b, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
  });
});

describe('Gemma 3 in the op list and the chip model', () => {
  it('the op list: embed x sqrt(D), per-layer window and RoPE table, q/k norms, post-norms before the residual adds, gelu-mul', async () => {
    const m = await openModel(ggufFile(TINY_GEMMA3));
    const V = testVocab(TINY_GEMMA3).vocab.length;
    expect(hfConfig(TINY_GEMMA3, V).vocab_size).toBe(m.config.vocabSize);
    const ops = forwardOps(m.config, { phase: 'decode', M: 1, pos0: 9, capacity: 16, int8: false, topK: 1, temperature: 0, u: 0 });
    const op = (id: string) => ops.find((o) => o.id === id)!;
    expect(op('embed').plan.params.scale).toBe(Math.fround(Math.sqrt(32)));
    expect(ops.filter((o) => o.layer === 0).map((o) => o.name)).toEqual([
      'attn-norm', 'qkv', 'q-norm', 'k-norm', 'rope-q', 'k-cache', 'v-cache', 'attention', 'o-proj', 'post-attn-norm', 'attn-residual',
      'ffn-norm', 'ffn-up', 'gelu-mul', 'ffn-down', 'post-ffn-norm', 'ffn-residual',
    ]);
    for (let l = 0; l < 6; l++) {
      const att = op(`L${l}.attention`);
      expect([l, att.plan.params.window, op(`L${l}.rope-q`).bind.T, op(`L${l}.k-cache`).bind.T]).toEqual(l === 5 ? [l, 0, 'ropeTable', 'ropeTable'] : [l, 4, 'ropeTableLocal', 'ropeTableLocal']);
      // the decode step at position 9 reads the window's 4 keys per KV head (f32), or all 10 on the full layer
      expect(planTotals(att.plan).loadByTensor.k_cache).toBe(4 * 2 * (l === 5 ? 10 : 4) * 16);
    }
    expect([op('L0.post-attn-norm').plan.kernel, op('L0.post-attn-norm').bind, op('L0.attn-residual').bind.Y]).toEqual(['rmsnorm', { X: 'proj', w: 'L0.postAttnNorm', Y: 'projn' }, 'projn']);
    expect([op('L0.post-ffn-norm').bind, op('L0.ffn-residual').bind.Y]).toEqual([{ X: 'proj', w: 'L0.postFfnNorm', Y: 'projn' }, 'projn']);
    expect([op('L0.gelu-mul').plan.kernel, op('L0.gelu-mul').plan.params.act, op('L0.ffn-up').plan.params.N]).toEqual(['silu-mul', 'gelu', 128]);
  });

  it('chip model, gemma-3-1b decode at 4096 tokens: windowed layers read 512 keys, the 4 full layers 4097; post-norms and GeGLU costed', () => {
    const c = configFromHf(GEMMA3_1B, 'gemma-3-1b');
    const chip = chipPreset('h100').config;
    const run = (m: ModelConfig) => simulateModel(chip, m, { phase: 'decode', context: 4096, batch: 1 });
    const r = run(c);
    const att = r.ops.filter((o) => o.name.startsWith('attention'));
    expect(att.map((o) => o.name).sort()).toEqual(['attention', 'attention-full']);
    const kv = (m: ModelConfig) => run(m).ops.filter((o) => o.name.startsWith('attention')).reduce((s, o) => s + o.bytes.hbm, 0);
    const all = kv({ ...c, fullAttentionLayers: [] }), none = kv({ ...c, attentionWindow: null, fullAttentionLayers: undefined });
    // the KV traffic is 22/26 of every layer windowed plus 4/26 of every layer full (within the ops' fixed bytes: q, o)
    expect(kv(c)).toBeGreaterThan(all * 1.5);
    expect(kv(c)).toBeLessThan(none / 3);
    expect(kv(c)).toBeCloseTo((22 / 26) * all + (4 / 26) * none, -4);
    for (const name of ['post-attn-norm', 'post-ffn-norm', 'gelu-mul']) expect(r.ops.find((o) => o.name === name)?.timeS ?? 0, name).toBeGreaterThan(0);
    expect(r.ops.find((o) => o.name === 'gelu-mul')!.source).toBe('analytic:gelu*mul');
    // two post-norm gains of D per layer, bf16
    expect(vectorParamBytes(c).layer - vectorParamBytes({ ...c, postNorms: false }).layer).toBe(2 * 1152 * 2);
  });
});

// Writers of small random models in the real file formats (safetensors + config.json +
// tokenizer.json, and GGUF with its vocabulary), for tests, the CLI's checks and the bench.
// The weights are random (seeded); the tokenizer is a real byte-level BPE trained here on a few
// sentences, so text round-trips through the same code a downloaded model uses.

import { f32ToF16Bits } from '../kernels/f16.ts';
import { rng } from '../kernels/kernel.ts';
import { writeSafetensors, type TensorToWrite } from './safetensors.ts';
import { writeGguf, type GgufMeta, type GgufTensorToWrite } from './gguf.ts';
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES, type FileDType } from './dtype.ts';
import { quantizeFormat } from '../kernels/matmul-gguf.ts';
import { linearDtypeFields, permuteRowsForGguf } from './weights.ts';
import { parameterCount, type ModelConfig, type RopeScaling } from './config.ts';

/** Llama-3.1's "llama3" RoPE scaling parameters (RopeScaling's non-linear kind). */
export type Llama3RopeScaling = Exclude<RopeScaling, { linear: true }>;
import type { LayerWeights, OpenedModel } from './weights.ts';

/** A small random model's file: its dims (as ModelConfig names them), tokenizer size, dtype and seed. */
export interface TestModelSpec extends Pick<ModelConfig, 'arch' | 'dim' | 'nLayers' | 'nHeads' | 'nKvHeads' | 'headDim' | 'ffnDim' | 'maxPositions'> {
  /** Byte-level BPE merges learned from the corpus (vocab = 256 + merges + 1 special, unless `vocab` pads it). */
  merges: number;
  /**
   * Pads the vocabulary to this many tokens with reserved control tokens `<|reserved_N|>` (as Llama-3's
   * tokenizer has 256 of them), so the embedding and LM head have a real model's width; absent: no padding.
   */
  vocab?: number;
  /**
   * Names the first padding tokens (control tokens, after the end token) instead of `<|reserved_N|>`: an instruct
   * model's turn tokens ("<|im_start|>", "<|im_end|>", ...). Needs `vocab` to pad that far.
   */
  specials?: string[];
  /** GGUF: tokenizer.chat_template; safetensors: a tokenizer_config.json with it (bos_token none, eos_token the end token). */
  chatTemplate?: string;
  /** GGUF only: more metadata keys (tokenizer.ggml.eot_token_id, ...), written after (over) the others. */
  ggufMeta?: Record<string, GgufMeta>;
  dtype: FileDType;
  seed: number;
  /** Llama only: share the embedding with the LM head. */
  tied?: boolean;
  /** Llama only: q/k/v biases (Qwen2-style). */
  qkvBias?: boolean;
  /**
   * Llama only: Qwen3's per-head RMSNorms of q and k (q_norm / k_norm, gains of headDim) before RoPE: config.json
   * model_type "qwen3", GGUF general.architecture "qwen3" (attention.key_length the head size, q/k rows unpermuted).
   */
  qkNorm?: boolean;
  /**
   * GGUF only, Llama family: the general.architecture written. "qwen2": llama.cpp's Qwen2 (its converter keeps the q/k
   * rows in Hugging Face's order, the graph ropes them NEOX-style; q/k/v biases required); "llama": q/k rows and biases
   * permuted as llama.cpp's converter permutes them; "qwen3": llama.cpp's Qwen3 (needs qkNorm). Absent: "qwen3" with
   * qkNorm, "qwen2" with qkvBias, else "llama".
   */
  ggufArch?: 'llama' | 'qwen2' | 'qwen3';
  /**
   * Llama only: Phi-3's files, the same weights stored fused: config.json model_type "phi3" with self_attn.qkv_proj
   * ([q | k | v] rows) and mlp.gate_up_proj ([gate | up]); GGUF general.architecture "phi3" with attn_qkv and an ffn_up of
   * 2·FF rows (llama.cpp's converter keeps both and the q/k rows as they are), rope.scaling.original_context_length, and
   * attention.sliding_window (`window`, else 0) as the converter writes it.
   */
  phi3?: boolean;
  /**
   * Phi-3 only: LongRoPE with these original positions and PHI3_ROPE_FACTORS: config.json rope_scaling {type "longrope",
   * short_factor, long_factor} and original_max_position_embeddings; GGUF rope_factors_short / rope_factors_long tensors
   * and rope.scaling.attn_factor (sqrt(1 + ln(maxPositions / original) / ln(original)), as the converter computes it).
   */
  longRope?: { originalMaxPositions: number };
  /**
   * Llama only: Llama-3.1's "llama3" RoPE scaling: config.json rope_scaling {rope_type "llama3", factor, low_freq_factor,
   * high_freq_factor, original_max_position_embeddings}; GGUF (general.architecture llama) the rope_freqs tensor, as
   * llama.cpp's converter computes it (llama3RopeFreqs).
   */
  llama31Rope?: Llama3RopeScaling;
  /**
   * GGUF only: llama.cpp's type choice per tensor for a Q4_K_M or Q3_K_M file (ggufMixDtype) instead of `dtype` for
   * the matrices. Q4_K_M: Q4_K, with Q6_K for output.weight and for attn_v / ffn_down of the layers llama.cpp gives
   * more bits; token_embd Q4_K too. Q3_K_M: Q3_K (token_embd too), Q4_K for attn_output and ffn_down, Q5_K for the
   * first two layers' attn_v (Q4_K after), Q6_K for output.weight. Tied (no output.weight): token_embd Q6_K, the
   * output's type, in both. Dimensions must be multiples of 256.
   */
  mix?: GgufMix;
  /**
   * GGUF only: token_embd's type (llama.cpp's quantize --token-embedding-type), in place of the one `dtype` / `mix`
   * gives it (f32 for f32 and quantized files, the file's 16-bit type for f16 / bf16, Q4_K in the Q4_K_M mix, Q3_K in the Q3_K_M mix,
   * Q6_K in a tied mix).
   */
  embedDtype?: FileDType;
  /**
   * GGUF only: these tensors' types by GGUF name (blk.0.attn_output.weight, output.weight), in place of the one
   * `dtype` / `mix` / `embedDtype` gives them: a file whose linears mix formats otherwise than the mixes do.
   */
  dtypes?: Readonly<Record<string, FileDType>>;
  /** Llama only: sliding-window attention over this many positions (config.json: Mistral's sliding_window; GGUF: llama.attention.sliding_window). */
  window?: number;
  /**
   * Gemma 3's text model (needs qkNorm, tied and window): config.json model_type "gemma3_text", GGUF general.architecture
   * "gemma3"; sandwich norms, GeGLU, embeddings times sqrt(D); the window on every layer but each 6th (5, 11, ...), whose
   * RoPE base is GEMMA3_TEST_ROPE.global (with `ropeScaling`), the others' GEMMA3_TEST_ROPE.local. The norms are
   * stored as Hugging Face's w (gain 1 + w) and in the GGUF as w + 1 (llama.cpp's converter).
   */
  gemma3?: boolean;
  /**
   * A linear RoPE scaling factor: config.json rope_scaling {rope_type "linear", factor}, GGUF rope.scaling.type linear and
   * rope.scaling.factor (not phi3, whose GGUF reader refuses it); Gemma 3's full-attention layers only.
   */
  ropeScaling?: number;
  /** GGUF llama / qwen2 / qwen3 / gemma3 only: rope.scaling.attn_factor, which llama.cpp multiplies cos / sin by. */
  ropeAttnFactor?: number;
  /**
   * Gemma 3: a layer pattern other than 6 (config.json layer_types with every `gemma3Pattern`-th layer full; GGUF
   * gemma3.attention.sliding_window_pattern) and a windowed-layer RoPE base other than GEMMA3_TEST_ROPE.local
   * (rope_local_base_freq; GGUF gemma3.rope.freq_base_swa). Absent: the keys are not written (the defaults, 6 and 10000).
   */
  gemma3Pattern?: number;
  gemma3LocalBase?: number;
  /** Gemma 3, config.json only: query_pre_attn_scalar (the scores' scale is its -1/2 power); absent: headDim. */
  queryPreAttnScalar?: number;
  /** GGUF only: tokenizer.ggml.pre; absent: "gpt-2" (the vocabulary's split); null: the key left out (an older converter's file). */
  pre?: string | null;
}

/** Gemma 3 test models' RoPE bases: the full-attention layers' rope_theta, the windowed layers' (llama.cpp fixes that one at 10000). */
export const GEMMA3_TEST_ROPE = { global: 1000, local: 10000 } as const;
/** Gemma 3's layer types: every 6th layer full attention (transformers' sliding_window_pattern 6, llama.cpp's set_swa_pattern(6)). */
const gemma3LayerTypes = (n: number, pattern = 6) => Array.from({ length: n }, (_, l) => ((l + 1) % pattern === 0 ? 'full_attention' : 'sliding_attention'));

/** The llama.cpp file types ("mixes") whose per-tensor type choice ggufMixDtype follows. */
export type GgufMix = 'q4_k_m' | 'q3_k_m';

/**
 * The type llama.cpp's quantizer (src/llama-quant.cpp, llama_tensor_get_type) gives a GGUF tensor of a dense
 * Llama- or GPT-2-shaped file of that mix, rows whole 256-value blocks (llama.cpp's extra GQA / MoE / Falcon / 70B
 * rules and its fallbacks for other rows are left out); layer i of n; `tied`: the file has no output.weight (its
 * token_embd is the LM head: GPT-2, a tied Llama), and llama.cpp gives token_embd the output's type:
 * - Q4_K_M (LLAMA_FTYPE_MOSTLY_Q4_K_M): Q6_K for output.weight (and a tied token_embd), and for attn_v.weight and
 *   ffn_down.weight of layers where use_more_bits(i, n) (i < n/8, i >= 7n/8, or (i - n/8) % 3 == 2); Q4_K for the
 *   other matrices (an untied token_embd included).
 * - Q3_K_M (LLAMA_FTYPE_MOSTLY_Q3_K_M): Q6_K for output.weight (and a tied token_embd); attn_v.weight (and GPT-2's
 *   attn_qkv.weight, which llama.cpp counts as a V) Q5_K in the first two layers, Q4_K after; ffn_down.weight Q5_K
 *   for i < n/16, else Q4_K; attn_output.weight Q4_K; Q3_K for the other matrices (an untied token_embd, attn_q /
 *   attn_k, ffn_gate / ffn_up).
 */
export function ggufMixDtype(name: string, nLayers: number, mix: GgufMix = 'q4_k_m', tied = false): FileDType {
  if (name === 'output.weight' || (tied && name === 'token_embd.weight')) return 'q6_k';
  const m = /^blk\.(\d+)\.(attn_v|attn_qkv|attn_output|ffn_down)\.weight$/.exec(name);
  const i = Number(m?.[1]), what = m?.[2];
  if (mix === 'q3_k_m') {
    if (what === 'attn_v' || what === 'attn_qkv') return i < 2 ? 'q5_k' : 'q4_k';
    if (what === 'ffn_down') return i < Math.floor(nLayers / 16) ? 'q5_k' : 'q4_k';
    return what === 'attn_output' ? 'q4_k' : 'q3_k';
  }
  if (what === 'attn_v' || what === 'ffn_down') {
    const n8 = Math.floor(nLayers / 8);
    const more = i < n8 || i >= Math.floor((7 * nLayers) / 8) || (i - n8) % 3 === 2;
    return more ? 'q6_k' : 'q4_k';
  }
  return 'q4_k';
}

const CORPUS =
  'the quick brown fox jumps over the lazy dog. the dog sleeps; the fox runs. ' +
  'once upon a time there was a tiny chip that moved data between its tiles. ' +
  'hello world! tokens flow through attention, then the feed forward network. 0123456789';

export const END_TOKEN = '<|endoftext|>';

const BYTE_CHARS: string[] = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
})();

/** A byte-level BPE vocabulary: 256 byte tokens, `n` merges learned greedily from CORPUS, one end token. */
export function trainByteBpe(n: number): { vocab: string[]; merges: string[] } {
  const vocab = [...BYTE_CHARS];
  const merges: string[] = [];
  const words = (CORPUS.match(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu) ?? []).map((w) =>
    [...new TextEncoder().encode(w)].map((b) => BYTE_CHARS[b]),
  );
  for (let i = 0; i < n; i++) {
    const counts = new Map<string, number>();
    for (const w of words) for (let j = 0; j + 1 < w.length; j++) { const k = w[j] + ' ' + w[j + 1]; counts.set(k, (counts.get(k) ?? 0) + 1); }
    let best = '', bc = 0;
    for (const [k, c] of counts) if (c > bc || (c === bc && k < best)) { best = k; bc = c; }
    if (bc < 1 || !best) break;
    merges.push(best);
    const [a, b] = best.split(' ');
    vocab.push(a + b);
    for (const w of words) for (let j = 0; j + 1 < w.length; j++) if (w[j] === a && w[j + 1] === b) w.splice(j, 2, a + b);
  }
  vocab.push(END_TOKEN);
  return { vocab, merges };
}

/**
 * The test model's vocabulary: trainByteBpe's, padded to `s.vocab` with reserved control tokens.
 * `eos` = the end token's id, the first special one (every id from it on is special).
 */
export function testVocab(s: Pick<TestModelSpec, 'merges' | 'vocab' | 'specials'>): { vocab: string[]; merges: string[]; eos: number } {
  const { vocab, merges } = trainByteBpe(s.merges);
  const eos = vocab.length - 1;
  if (s.vocab !== undefined) {
    if (!Number.isInteger(s.vocab) || s.vocab < vocab.length) throw new Error(`vocab ${s.vocab}: must be an integer of at least ${vocab.length} (256 bytes + ${merges.length} merges + the end token)`);
    for (let i = 0; vocab.length < s.vocab; i++) vocab.push(s.specials?.[i] ?? `<|reserved_${i}|>`);
  }
  if ((s.specials?.length ?? 0) > vocab.length - 1 - eos) throw new Error(`specials: ${s.specials!.length} tokens need a vocab of at least ${eos + 1 + s.specials!.length}`);
  return { vocab, merges, eos };
}

interface Tensor { name: string; shape: number[]; data: Float32Array }

function randomTensor(r: () => number, shape: number[], scale: number, offset = 0): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = offset + (r() * 2 - 1) * scale;
  return a;
}

/** The model's tensors in Hugging Face naming and layout ([out, in]; GPT-2 Conv1D [in, out]). */
function hfTensors(s: TestModelSpec, V: number): Tensor[] {
  const r = rng(s.seed);
  const D = s.dim, F = s.ffnDim, dh = s.headDim, Nq = s.nHeads * dh, Nkv = s.nKvHeads * dh;
  const t: Tensor[] = [];
  const add = (name: string, shape: number[], scale: number, offset = 0) => t.push({ name, shape, data: randomTensor(r, shape, scale, offset) });
  const lin = (fanIn: number) => 1.5 / Math.sqrt(fanIn);
  if (s.arch === 'llama' && s.phi3) {
    // the same random weights as the unfused model, fused as Phi-3 stores them
    const byName = new Map(hfTensors({ ...s, phi3: false }, V).map((x) => [x.name, x]));
    const fuse = (name: string, parts: string[]): Tensor => {
      const ts = parts.map((n) => byName.get(n)!);
      const data = new Float32Array(ts.reduce((a, x) => a + x.data.length, 0));
      let o = 0;
      for (const x of ts) { data.set(x.data, o); o += x.data.length; }
      return { name, shape: [ts.reduce((a, x) => a + x.shape[0], 0), ts[0].shape[1]], data };
    };
    const out: Tensor[] = [];
    for (const x of byName.values()) {
      const m = /^(model\.layers\.\d+\.)(self_attn\.[qkv]_proj|mlp\.(gate|up)_proj)\.weight$/.exec(x.name);
      if (!m) out.push(x);
      else if (m[2] === 'self_attn.q_proj') out.push(fuse(m[1] + 'self_attn.qkv_proj.weight', ['q', 'k', 'v'].map((w) => `${m[1]}self_attn.${w}_proj.weight`)));
      else if (m[2] === 'mlp.gate_proj') out.push(fuse(m[1] + 'mlp.gate_up_proj.weight', [m[1] + 'mlp.gate_proj.weight', m[1] + 'mlp.up_proj.weight']));
    }
    return out;
  }
  // Gemma 3 stores a norm's w, its gain 1 + w: gains as the others', stored 1 lower
  const g1 = s.gemma3 ? 0 : 1;
  if (s.arch === 'llama') {
    add('model.embed_tokens.weight', [V, D], 1);
    for (let l = 0; l < s.nLayers; l++) {
      const p = `model.layers.${l}.`;
      add(p + 'input_layernorm.weight', [D], 0.2, g1);
      add(p + 'self_attn.q_proj.weight', [Nq, D], lin(D));
      add(p + 'self_attn.k_proj.weight', [Nkv, D], lin(D));
      add(p + 'self_attn.v_proj.weight', [Nkv, D], lin(D));
      if (s.qkvBias) {
        add(p + 'self_attn.q_proj.bias', [Nq], 0.1);
        add(p + 'self_attn.k_proj.bias', [Nkv], 0.1);
        add(p + 'self_attn.v_proj.bias', [Nkv], 0.1);
      }
      if (s.qkNorm) {
        // gains far from 1 (0.2 .. 1.8), so a missing, misplaced or swapped norm moves the logits
        add(p + 'self_attn.q_norm.weight', [dh], 0.8, g1);
        add(p + 'self_attn.k_norm.weight', [dh], 0.8, g1);
      }
      add(p + 'self_attn.o_proj.weight', [D, Nq], lin(Nq));
      // Gemma 3: the attention output's post-norm (its name), then the MLP's pre- and post-norms
      add(p + 'post_attention_layernorm.weight', [D], s.gemma3 ? 0.5 : 0.2, g1);
      if (s.gemma3) {
        add(p + 'pre_feedforward_layernorm.weight', [D], 0.2, g1);
        add(p + 'post_feedforward_layernorm.weight', [D], 0.5, g1);
      }
      add(p + 'mlp.gate_proj.weight', [F, D], lin(D));
      add(p + 'mlp.up_proj.weight', [F, D], lin(D));
      add(p + 'mlp.down_proj.weight', [D, F], lin(F));
    }
    add('model.norm.weight', [D], 0.2, g1);
    if (!s.tied) add('lm_head.weight', [V, D], lin(D) * 2);
    return t;
  }
  add('wte.weight', [V, D], 1);
  add('wpe.weight', [s.maxPositions, D], 0.5);
  for (let l = 0; l < s.nLayers; l++) {
    const p = `h.${l}.`;
    add(p + 'ln_1.weight', [D], 0.2, 1);
    add(p + 'ln_1.bias', [D], 0.1);
    add(p + 'attn.c_attn.weight', [D, 3 * D], lin(D));
    add(p + 'attn.c_attn.bias', [3 * D], 0.1);
    add(p + 'attn.c_proj.weight', [D, D], lin(D));
    add(p + 'attn.c_proj.bias', [D], 0.1);
    add(p + 'ln_2.weight', [D], 0.2, 1);
    add(p + 'ln_2.bias', [D], 0.1);
    add(p + 'mlp.c_fc.weight', [D, F], lin(D));
    add(p + 'mlp.c_fc.bias', [F], 0.1);
    add(p + 'mlp.c_proj.weight', [F, D], lin(F));
    add(p + 'mlp.c_proj.bias', [D], 0.1);
  }
  add('ln_f.weight', [D], 0.2, 1);
  add('ln_f.bias', [D], 0.1);
  return t;
}

export function encodeAs(dtype: FileDType, a: Float32Array): Uint8Array {
  switch (dtype) {
    case 'f32':
      return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    case 'f16':
    case 'bf16':
    case 'q4_0':
    case 'q4_1':
    case 'q5_0':
    case 'q5_1':
    case 'q4_k':
    case 'q5_k':
    case 'q6_k':
    case 'q3_k':
    case 'q2_k':
    case 'iq4_nl':
    case 'iq4_xs':
      // f16 / bf16 rounded to nearest even, ggml's blocks by its reference quantizer: the kernels' one encoder
      return quantizeFormat(dtype, a);
    case 'q8_0': {
      const blocks = a.length / Q8_0_BLOCK;
      const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
      const dv = new DataView(out.buffer);
      for (let b = 0; b < blocks; b++) {
        let amax = 0;
        for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(a[b * Q8_0_BLOCK + i]));
        const d = amax / 127;
        const dBits = f32ToF16Bits(d);
        dv.setUint16(b * Q8_0_BLOCK_BYTES, dBits, true);
        for (let i = 0; i < Q8_0_BLOCK; i++) dv.setInt8(b * Q8_0_BLOCK_BYTES + 2 + i, d === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(a[b * Q8_0_BLOCK + i] / d))));
      }
      return out;
    }
  }
}

/**
 * The test models' LongRoPE factors for a head of dh: short ones near 1 (1 .. 1.5), long ones growing to 12 with the
 * wavelength, as Phi-3's do; far enough from 1 that RoPE without them, or with the other set, moves the logits.
 */
export function phi3RopeFactors(dh: number): { short: number[]; long: number[] } {
  const half = dh / 2;
  const short = Array.from({ length: half }, (_, i) => 1 + (0.5 * i) / half);
  const long = Array.from({ length: half }, (_, i) => 1 + 11 * (i / (half - 1)) ** 2);
  return { short, long };
}

/** LongRoPE's attention factor for a context stretched from `original` to `max` positions (transformers' and llama.cpp's converter's formula). */
export const longRopeAttnFactor = (max: number, original: number): number => (max > original ? Math.sqrt(1 + Math.log(max / original) / Math.log(original)) : 1);

/**
 * The rope_freqs tensor llama.cpp's converter (conversion/llama.py, LlamaModel.generate_extra_tensors) writes for a
 * config.json with rope_scaling "llama3": per RoPE frequency of a head of dh (base^(-2i/dh), in f32 as torch computes
 * it), 1 for wavelengths under original / high_freq_factor, `factor` over original / low_freq_factor, and between them
 * 1 / ((1 − smooth) / factor + smooth), smooth = (original / wavelength − low) / (high − low): divisors of the frequencies.
 */
export function llama3RopeFreqs(s: Llama3RopeScaling, dh: number, base = 10000): Float32Array {
  const f = Math.fround;
  const lowWave = s.originalMaxPositions / s.lowFreqFactor, highWave = s.originalMaxPositions / s.highFreqFactor;
  return Float32Array.from({ length: dh / 2 }, (_, i) => {
    const freq = f(1 / f(Math.pow(base, f(f(2 * i) / dh))));
    const wave = f((2 * Math.PI) / freq);
    if (wave < highWave) return 1;
    if (wave > lowWave) return s.factor;
    const smooth = f((s.originalMaxPositions / wave - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor));
    return 1 / ((1 - smooth) / s.factor + smooth);
  });
}

export function hfConfig(s: TestModelSpec, V: number, eos = V - 1): Record<string, unknown> {
  if (s.arch === 'llama' && s.phi3) {
    // Phi-3's config.json: no head_dim (D / heads), original_max_position_embeddings at the top, sliding_window (null: none)
    const f = s.longRope ? phi3RopeFactors(s.headDim) : null;
    if (s.headDim * s.nHeads !== s.dim) throw new Error('Phi-3 test models: heads of D / heads (Phi3Attention and llama.cpp both assume it)');
    return {
      model_type: 'phi3', vocab_size: V, hidden_size: s.dim, num_hidden_layers: s.nLayers, num_attention_heads: s.nHeads, num_key_value_heads: s.nKvHeads,
      intermediate_size: s.ffnDim, max_position_embeddings: s.maxPositions, original_max_position_embeddings: s.longRope?.originalMaxPositions ?? s.maxPositions,
      rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: 'silu', tie_word_embeddings: s.tied === true, eos_token_id: eos, sliding_window: s.window ?? null,
      rope_scaling: f ? { type: 'longrope', short_factor: f.short, long_factor: f.long } : s.ropeScaling ? { rope_type: 'linear', factor: s.ropeScaling } : null,
    };
  }
  if (s.phi3 || s.longRope) throw new Error('GGUF / safetensors test models: phi3 is a Llama-family spec, and LongRoPE is written for phi3 only');
  if (s.llama31Rope && (s.arch !== 'llama' || s.qkvBias || s.qkNorm || s.window)) throw new Error('test models: Llama-3.1 RoPE scaling is written for a plain Llama (model_type llama, GGUF llama) only');
  if (s.llama31Rope && s.ropeScaling) throw new Error('test models: one rope_scaling, llama3 or linear');
  if (s.arch === 'gpt2') {
    return { model_type: 'gpt2', vocab_size: V, n_embd: s.dim, n_layer: s.nLayers, n_head: s.nHeads, n_positions: s.maxPositions, n_inner: s.ffnDim, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', eos_token_id: eos };
  }
  if (s.gemma3) {
    return {
      model_type: 'gemma3_text', architectures: ['Gemma3ForCausalLM'], vocab_size: V, hidden_size: s.dim, num_hidden_layers: s.nLayers, num_attention_heads: s.nHeads,
      num_key_value_heads: s.nKvHeads, head_dim: s.headDim, intermediate_size: s.ffnDim, max_position_embeddings: s.maxPositions,
      query_pre_attn_scalar: s.queryPreAttnScalar ?? s.headDim, sliding_window: s.window, layer_types: gemma3LayerTypes(s.nLayers, s.gemma3Pattern),
      rope_theta: GEMMA3_TEST_ROPE.global, rope_local_base_freq: s.gemma3LocalBase ?? GEMMA3_TEST_ROPE.local, rope_scaling: s.ropeScaling ? { rope_type: 'linear', factor: s.ropeScaling } : null,
      rms_norm_eps: 1e-5, hidden_activation: 'gelu_pytorch_tanh', attention_bias: false, final_logit_softcapping: null, attn_logit_softcapping: null,
      tie_word_embeddings: true, eos_token_id: eos,
    };
  }
  return {
    ...(s.window ? { sliding_window: s.window, ...(s.qkvBias || s.qkNorm ? { use_sliding_window: true, max_window_layers: 0 } : {}) } : {}),
    ...(s.qkNorm ? { attention_bias: s.qkvBias === true } : {}),
    model_type: s.qkNorm ? 'qwen3' : s.qkvBias ? 'qwen2' : s.window ? 'mistral' : 'llama', vocab_size: V, hidden_size: s.dim, num_hidden_layers: s.nLayers, num_attention_heads: s.nHeads,
    num_key_value_heads: s.nKvHeads, head_dim: s.headDim, intermediate_size: s.ffnDim, max_position_embeddings: s.maxPositions,
    rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: 'silu', tie_word_embeddings: s.tied === true, eos_token_id: eos,
    ...(s.llama31Rope ? { rope_scaling: { rope_type: 'llama3', factor: s.llama31Rope.factor, low_freq_factor: s.llama31Rope.lowFreqFactor, high_freq_factor: s.llama31Rope.highFreqFactor, original_max_position_embeddings: s.llama31Rope.originalMaxPositions } } : {}),
    ...(s.ropeScaling ? { rope_scaling: { rope_type: 'linear', factor: s.ropeScaling } } : {}),
  };
}

/** `firstSpecial`: the id from which on tokens are special (added) tokens; by default only the last one. */
export function tokenizerJson(vocab: string[], merges: string[], firstSpecial = vocab.length - 1): Record<string, unknown> {
  const v: Record<string, number> = {};
  vocab.slice(0, firstSpecial).forEach((t, i) => (v[t] = i));
  return {
    version: '1.0',
    added_tokens: vocab.slice(firstSpecial).map((content, i) => ({ id: firstSpecial + i, content, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel' },
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', vocab: v, merges, byte_fallback: false },
  };
}

/** model.safetensors + config.json + tokenizer.json, as file name -> bytes. */
export function writeSafetensorsModel(s: TestModelSpec): Record<string, Uint8Array> {
  if (s.dtype !== 'f32' && s.dtype !== 'f16' && s.dtype !== 'bf16') throw new Error('safetensors test models are f32, f16 or bf16');
  const { vocab, merges, eos } = testVocab(s);
  const V = vocab.length;
  const tensors: TensorToWrite[] = hfTensors(s, V).map((t) => ({ name: t.name, dtype: s.dtype as 'f32', shape: t.shape, data: encodeAs(s.dtype, t.data) }));
  const enc = new TextEncoder();
  return {
    'model.safetensors': writeSafetensors(tensors),
    'config.json': enc.encode(JSON.stringify(hfConfig(s, V, eos), null, 1)),
    'tokenizer.json': enc.encode(JSON.stringify(tokenizerJson(vocab, merges, eos))),
    ...(s.chatTemplate === undefined ? {} : { 'tokenizer_config.json': enc.encode(JSON.stringify({ chat_template: s.chatTemplate, bos_token: null, eos_token: END_TOKEN })) }),
  };
}

/** One .gguf with llama.cpp's names, layouts (q/k rows permuted for its Llama architecture, not for Qwen2 / Qwen3) and vocabulary. */
export function writeGgufModel(s: TestModelSpec): Uint8Array {
  const { vocab, merges, eos } = testVocab(s);
  const V = vocab.length;
  const hf = new Map(hfTensors(s, V).map((t) => [t.name, t]));
  const arch = s.arch === 'gpt2' ? 'gpt2' : s.gemma3 ? 'gemma3' : s.phi3 ? 'phi3' : (s.ggufArch ?? (s.qkNorm ? 'qwen3' : s.qkvBias ? 'qwen2' : 'llama'));
  if (arch === 'phi3' && (s.qkvBias || s.qkNorm || s.ggufArch)) throw new Error('GGUF test models: a phi3 file has no q/k/v biases or q/k norms');
  if (s.gemma3 && !(s.qkNorm && s.tied && s.window && !s.qkvBias)) throw new Error('GGUF test models: a gemma3 file has q/k norms, a tied head, a sliding window and no biases');
  if (s.gemma3 && s.queryPreAttnScalar !== undefined && s.queryPreAttnScalar !== s.headDim) throw new Error('GGUF test models: llama.cpp scales gemma3 scores by the head size (query_pre_attn_scalar has no GGUF key)');
  if (arch === 'qwen2' && !s.qkvBias) throw new Error('GGUF test models: a qwen2 file needs q/k/v biases (llama.cpp requires them)');
  if (!s.gemma3 && (arch === 'qwen3') !== (s.qkNorm === true)) throw new Error('GGUF test models: q/k norms are written as a qwen3 file, and a qwen3 file has them');
  if (arch === 'qwen3' && s.qkvBias) throw new Error('GGUF test models: a qwen3 file has no q/k/v biases (llama.cpp loads none)');
  if ((s.ropeScaling || s.ropeAttnFactor !== undefined) && arch === 'phi3') throw new Error('GGUF test models: a phi3 file takes LongRoPE (longRope) only; rope.scaling.factor / attn_factor are for llama, qwen2, qwen3, gemma3');
  if (s.llama31Rope && arch !== 'llama') throw new Error('GGUF test models: rope_freqs (Llama-3.1 RoPE scaling) is written in a llama file only (llama.cpp reads it there)');
  const out: GgufTensorToWrite[] = [];
  // no output.weight: token_embd is the LM head (GPT-2, a tied Llama)
  const tied = s.arch === 'gpt2' || s.tied === true;
  const get = (n: string) => hf.get(n)!;
  const put = (name: string, t: Tensor, shape = t.shape, data = t.data) => {
    // the token embedding of a 16-bit file is 16-bit too (llama.cpp's converter with --outtype f16 / bf16); other
    // embeddings f32
    const half = s.dtype === 'f16' || s.dtype === 'bf16';
    const mat = shape.length === 2 && (s.mix !== undefined ? name !== 'position_embd.weight' : !name.includes('embd') || (half && name === 'token_embd.weight'));
    const dtype = s.dtypes?.[name] ?? (name === 'token_embd.weight' && s.embedDtype ? s.embedDtype : !mat ? 'f32' : s.mix !== undefined ? ggufMixDtype(name, s.nLayers, s.mix, tied) : s.dtype);
    out.push({ name, dtype, shape, data: encodeAs(dtype, data) });
  };
  const transpose = (t: Tensor): Float32Array => {
    const [a, b] = t.shape;
    const o = new Float32Array(a * b);
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) o[j * a + i] = t.data[i * b + j];
    return o;
  };
  const D = s.dim, F = s.ffnDim, dh = s.headDim;
  const meta: Record<string, GgufMeta> = {
    'general.architecture': { type: 'string', value: arch },
    // not "test-phi3": llama.cpp's vocabulary loader gives a model named *phi3* / *phi-3* SentencePiece token attributes
    // (</s>, <unk>, <s>), which our byte-level vocabulary lacks (it fails to load: "_Map_base::at")
    'general.name': { type: 'string', value: arch === 'phi3' ? 'test-phi-three' : `test-${arch}` },
    [`${arch}.context_length`]: { type: 'u32', value: s.maxPositions },
    [`${arch}.embedding_length`]: { type: 'u32', value: D },
    [`${arch}.block_count`]: { type: 'u32', value: s.nLayers },
    [`${arch}.feed_forward_length`]: { type: 'u32', value: F },
    [`${arch}.attention.head_count`]: { type: 'u32', value: s.nHeads },
    'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
    // llama.cpp's name for GPT-2's pre-tokenizer regex ("gpt-2"; it refuses "gpt2", src/llama-vocab.cpp)
    ...(s.pre === null ? {} : { 'tokenizer.ggml.pre': { type: 'string', value: s.pre ?? 'gpt-2' } as GgufMeta }),
    'tokenizer.ggml.tokens': { type: 'string[]', value: vocab },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: vocab.map((_, i) => (i >= eos ? 3 : 1)) },
    'tokenizer.ggml.merges': { type: 'string[]', value: merges },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: eos },
    ...(s.chatTemplate === undefined ? {} : { 'tokenizer.chat_template': { type: 'string', value: s.chatTemplate } as GgufMeta }),
  };
  if (s.arch === 'llama') {
    Object.assign(meta, {
      [`${arch}.attention.head_count_kv`]: { type: 'u32', value: s.nKvHeads },
      // llama.cpp's Qwen2 converter writes no rope.dimension_count (the head size is D / heads); its Qwen3 one writes the
      // head size as attention.key_length / value_length (config.json's head_dim)
      ...(arch === 'llama' ? { 'llama.rope.dimension_count': { type: 'u32', value: dh } } : {}),
      ...(arch === 'qwen3' || arch === 'gemma3' ? { [`${arch}.attention.key_length`]: { type: 'u32', value: dh }, [`${arch}.attention.value_length`]: { type: 'u32', value: dh } } : {}),
      // gemma3: rope.freq_base is the full-attention layers' (llama.cpp fixes the windowed layers' at 10000), scaled linearly
      [`${arch}.rope.freq_base`]: { type: 'f32', value: s.gemma3 ? GEMMA3_TEST_ROPE.global : 10000 },
      ...(s.ropeScaling ? { [`${arch}.rope.scaling.type`]: { type: 'string', value: 'linear' }, [`${arch}.rope.scaling.factor`]: { type: 'f32', value: s.ropeScaling } } : {}),
      ...(s.ropeAttnFactor !== undefined ? { [`${arch}.rope.scaling.attn_factor`]: { type: 'f32', value: s.ropeAttnFactor } } : {}),
      ...(s.gemma3Pattern !== undefined ? { [`${arch}.attention.sliding_window_pattern`]: { type: 'u32', value: s.gemma3Pattern } } : {}),
      ...(s.gemma3LocalBase !== undefined ? { [`${arch}.rope.freq_base_swa`]: { type: 'f32', value: s.gemma3LocalBase } } : {}),
      [`${arch}.attention.layer_norm_rms_epsilon`]: { type: 'f32', value: 1e-5 },
      ...(s.window || arch === 'phi3' ? { [`${arch}.attention.sliding_window`]: { type: 'u32', value: s.window ?? 0 } } : {}),
      // llama.cpp's Phi-3 converter (conversion/phi.py): rope dims, the original context, LongRoPE's attention factor
      ...(arch === 'phi3' ? {
        'phi3.rope.dimension_count': { type: 'u32', value: dh },
        'phi3.rope.scaling.original_context_length': { type: 'u32', value: s.longRope?.originalMaxPositions ?? s.maxPositions },
        ...(s.longRope ? { 'phi3.rope.scaling.attn_factor': { type: 'f32', value: longRopeAttnFactor(s.maxPositions, s.longRope.originalMaxPositions) } } : {}),
      } : {}),
    });
    // llama.cpp's Llama converter permutes q/k rows (and their biases) for its interleaved RoPE; Qwen2's keeps them
    const perm = (t: Tensor, heads: number, K: number) => (arch === 'llama' ? permuteRowsForGguf(t.data, t.shape[0], K, heads) : t.data);
    // llama.cpp's converter yields rope_freqs (generate_extra_tensors) before the model's own tensors
    if (s.llama31Rope) put('rope_freqs.weight', { name: '', shape: [dh / 2], data: llama3RopeFreqs(s.llama31Rope, dh) });
    // Gemma 3: llama.cpp's converter stores each norm's w + 1 (Gemma3RMSNorm's gain)
    const norm = (t: Tensor): Tensor => (s.gemma3 ? { ...t, data: t.data.map((x) => x + 1) } : t);
    put('token_embd.weight', get('model.embed_tokens.weight'));
    if (s.longRope) {
      const f = phi3RopeFactors(dh);
      put('rope_factors_long.weight', { name: '', shape: [dh / 2], data: new Float32Array(f.long) });
      put('rope_factors_short.weight', { name: '', shape: [dh / 2], data: new Float32Array(f.short) });
    }
    for (let l = 0; l < s.nLayers && arch === 'phi3'; l++) {
      const p = `model.layers.${l}.`, b = `blk.${l}.`;
      put(b + 'attn_norm.weight', get(p + 'input_layernorm.weight'));
      put(b + 'attn_qkv.weight', get(p + 'self_attn.qkv_proj.weight'));
      put(b + 'attn_output.weight', get(p + 'self_attn.o_proj.weight'));
      put(b + 'ffn_norm.weight', get(p + 'post_attention_layernorm.weight'));
      put(b + 'ffn_up.weight', get(p + 'mlp.gate_up_proj.weight'));
      put(b + 'ffn_down.weight', get(p + 'mlp.down_proj.weight'));
    }
    for (let l = 0; l < s.nLayers && arch !== 'phi3'; l++) {
      const p = `model.layers.${l}.`, b = `blk.${l}.`;
      put(b + 'attn_norm.weight', norm(get(p + 'input_layernorm.weight')));
      const q = get(p + 'self_attn.q_proj.weight'), k = get(p + 'self_attn.k_proj.weight');
      put(b + 'attn_q.weight', q, q.shape, perm(q, s.nHeads, D));
      put(b + 'attn_k.weight', k, k.shape, perm(k, s.nKvHeads, D));
      put(b + 'attn_v.weight', get(p + 'self_attn.v_proj.weight'));
      if (s.qkvBias) {
        const bq = get(p + 'self_attn.q_proj.bias'), bk = get(p + 'self_attn.k_proj.bias');
        put(b + 'attn_q.bias', bq, bq.shape, perm(bq, s.nHeads, 1));
        put(b + 'attn_k.bias', bk, bk.shape, perm(bk, s.nKvHeads, 1));
        put(b + 'attn_v.bias', get(p + 'self_attn.v_proj.bias'));
      }
      if (s.qkNorm) {
        put(b + 'attn_q_norm.weight', norm(get(p + 'self_attn.q_norm.weight')));
        put(b + 'attn_k_norm.weight', norm(get(p + 'self_attn.k_norm.weight')));
      }
      put(b + 'attn_output.weight', get(p + 'self_attn.o_proj.weight'));
      if (s.gemma3) {
        put(b + 'post_attention_norm.weight', norm(get(p + 'post_attention_layernorm.weight')));
        put(b + 'ffn_norm.weight', norm(get(p + 'pre_feedforward_layernorm.weight')));
        put(b + 'post_ffw_norm.weight', norm(get(p + 'post_feedforward_layernorm.weight')));
      } else put(b + 'ffn_norm.weight', get(p + 'post_attention_layernorm.weight'));
      put(b + 'ffn_gate.weight', get(p + 'mlp.gate_proj.weight'));
      put(b + 'ffn_up.weight', get(p + 'mlp.up_proj.weight'));
      put(b + 'ffn_down.weight', get(p + 'mlp.down_proj.weight'));
    }
    put('output_norm.weight', norm(get('model.norm.weight')));
    if (!s.tied) put('output.weight', get('lm_head.weight'));
  } else {
    meta['gpt2.attention.layer_norm_epsilon'] = { type: 'f32', value: 1e-5 };
    put('token_embd.weight', get('wte.weight'));
    put('position_embd.weight', get('wpe.weight'));
    for (let l = 0; l < s.nLayers; l++) {
      const p = `h.${l}.`, b = `blk.${l}.`;
      const conv = (n: string, gname: string) => { const t = get(p + n); put(gname, t, [t.shape[1], t.shape[0]], transpose(t)); };
      put(b + 'attn_norm.weight', get(p + 'ln_1.weight'));
      put(b + 'attn_norm.bias', get(p + 'ln_1.bias'));
      conv('attn.c_attn.weight', b + 'attn_qkv.weight');
      put(b + 'attn_qkv.bias', get(p + 'attn.c_attn.bias'));
      conv('attn.c_proj.weight', b + 'attn_output.weight');
      put(b + 'attn_output.bias', get(p + 'attn.c_proj.bias'));
      put(b + 'ffn_norm.weight', get(p + 'ln_2.weight'));
      put(b + 'ffn_norm.bias', get(p + 'ln_2.bias'));
      conv('mlp.c_fc.weight', b + 'ffn_up.weight');
      put(b + 'ffn_up.bias', get(p + 'mlp.c_fc.bias'));
      conv('mlp.c_proj.weight', b + 'ffn_down.weight');
      put(b + 'ffn_down.bias', get(p + 'mlp.c_proj.bias'));
    }
    put('output_norm.weight', get('ln_f.weight'));
    put('output_norm.bias', get('ln_f.bias'));
  }
  Object.assign(meta, s.ggufMeta ?? {});
  return writeGguf(meta, out);
}

/** Small shapes the tests use (SwiftShader is slow): a Llama-style GQA model and a GPT-2-style one. */
export const TINY_LLAMA: TestModelSpec = { arch: 'llama', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 96, maxPositions: 64, merges: 40, dtype: 'f32', seed: 11 };
/** Qwen3-shaped: q/k norms, and heads wider than D / heads (Qwen3-0.6B: 16 heads of 128 in D 1024), so q has 2·D rows and wo is [D, 2·D]. */
/** Phi-3-shaped: the TINY_LLAMA shape (GQA 4:2) stored fused, with LongRoPE over an original context of 16 positions. */
export const TINY_PHI3: TestModelSpec = { arch: 'llama', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 96, maxPositions: 64, merges: 40, dtype: 'f32', seed: 15, phi3: true, longRope: { originalMaxPositions: 16 } };
/**
 * Llama-3.1's RoPE scaling (factor 8, low 1, high 4) over an original context of 32 rather than 8192, so that in the
 * tiny head of 16 one frequency keeps its value, one is smoothed and six are divided by 8 (wavelengths 6.3, 20, 63 ... vs 8 and 32).
 */
export const TINY_LLAMA31_SCALING: Llama3RopeScaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 32 };
export const TINY_QWEN3: TestModelSpec = { arch: 'llama', dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 96, maxPositions: 64, merges: 40, dtype: 'f32', seed: 14, qkNorm: true };
/**
 * Gemma-3-shaped (gemma3_text / GGUF gemma3): 6 layers so that one (layer 5) attends over the whole context and five
 * through a window of 4, heads wider than D / heads (Gemma's 256 in small D), a tied head, linear RoPE scaling 4 on the
 * full-attention layer.
 */
export const TINY_GEMMA3: TestModelSpec = { arch: 'llama', dim: 32, nLayers: 6, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 64, maxPositions: 64, merges: 40, dtype: 'f32', seed: 15, qkNorm: true, tied: true, window: 4, gemma3: true, ropeScaling: 4 };
export const TINY_GPT2: TestModelSpec = { arch: 'gpt2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 4, headDim: 16, ffnDim: 128, maxPositions: 64, merges: 40, dtype: 'f32', seed: 12 };

/**
 * The Model tab's "build one here" model, for a user with no model file: Llama-shaped (GQA 8 query / 2 KV
 * heads, SwiGLU, RoPE), stored f16 as downloaded models are, big enough that the per-op table has real
 * matmuls to time (D 256, 4 layers, ~3.5 M parameters, ~7 MB), small enough to generate in a second on a
 * software adapter. Random seeded weights (the text is gibberish); the same spec always writes the same
 * bytes, so a share link's fingerprint reproduces.
 */
export const DEMO_LLAMA: TestModelSpec = { arch: 'llama', dim: 256, nLayers: 4, nHeads: 8, nKvHeads: 2, headDim: 32, ffnDim: 704, maxPositions: 1024, merges: 200, vocab: 512, dtype: 'f16', seed: 7 };

// ---- synthetic models for the bench (no file: random weights generated layer by layer) ------------


/** A model with `c`'s shapes and seeded random weights, generated one layer at a time (as a file would stream). */
export function syntheticModel(c: ModelConfig, seed: number, name: string): OpenedModel {
  const D = c.dim, F = c.ffnDim, dh = c.headDim, Nq = c.nHeads * dh, N = Nq + 2 * c.nKvHeads * dh;
  const lin = (r: () => number, n: number, k: number) => ({ kind: 'f32' as const, N: n, K: k, w: randomTensor(r, [n, k], 1.5 / Math.sqrt(k)) });
  return {
    name, format: 'safetensors', config: c, fileBytes: 4 * parameterCount(c), params: parameterCount(c), tokenizer: { kind: 'none' }, eos: [], ...linearDtypeFields(['f32']),
    async loadGlobals() {
      const r = rng(seed);
      const tokEmb = randomTensor(r, [c.vocabSize, D], 1);
      return { tokEmb, outNorm: randomTensor(r, [D], 0.2, 1), lmHead: c.tiedEmbeddings ? { kind: 'f32', N: c.vocabSize, K: D, w: tokEmb } : lin(r, c.vocabSize, D) };
    },
    async loadLayer(i): Promise<LayerWeights> {
      const r = rng(seed + 1000 * (i + 1));
      return {
        attnNorm: randomTensor(r, [D], 0.2, 1), wqkv: lin(r, N, D), wo: lin(r, D, Nq),
        ffnNorm: randomTensor(r, [D], 0.2, 1), wUp: lin(r, 2 * F, D), wDown: lin(r, D, F),
        ...(c.qkNorm ? { qNorm: randomTensor(r, [dh], 0.2, 1), kNorm: randomTensor(r, [dh], 0.2, 1) } : {}),
        ...(c.postNorms ? { postAttnNorm: randomTensor(r, [D], 0.2, 1), postFfnNorm: randomTensor(r, [D], 0.2, 1) } : {}),
      };
    },
  };
}

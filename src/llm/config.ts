// The readers of a model file's architecture: Hugging Face's config.json and GGUF metadata, both
// producing the one ModelConfig of src/models/config.ts (the presets are of the same type). Two
// families of files: Llama-style (RMSNorm, RoPE, GQA, SwiGLU; also Mistral/Qwen2/Qwen3/Phi-3/SmolLM; Qwen3 adds per-head q/k RMSNorms,
// Phi-3 stores q/k/v and gate/up fused and may scale RoPE by LongRoPE) and
// GPT-2-style (LayerNorm, learned positions, GELU, biases, tied LM head).

import { ModelFileError } from './source.ts';
import type { GgufValue } from './gguf.ts';
import type { ModelConfig, Positions, RopeFactors, RopeScaling } from '../models/config.ts';

export type { ModelConfig, Positions, RopeFactors, RopeScaling } from '../models/config.ts';
export { parameterCount } from '../models/config.ts';

function num(obj: Record<string, unknown>, key: string, def?: number): number {
  const v = obj[key] ?? def;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFileError(`config.json: "${key}" must be a number, got ${JSON.stringify(obj[key])}`);
  return v;
}

/** A count the other dims divide by (heads): a positive integer, said so by name (0 heads used to surface as a bad head_dim). */
function count(obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ModelFileError(`config.json: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

const LLAMA_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'phi3'];
/** The architectures a file may name: config.json model_type, GGUF general.architecture (the refusals and the Model tab list them). */
export const SUPPORTED_ARCHITECTURES = { configJson: [...LLAMA_TYPES, 'gemma3_text', 'gpt2'], gguf: ['llama', 'qwen2', 'qwen3', 'phi3', 'gemma3', 'gpt2'] } as const;

/** Gemma 3's layer pattern: every 6th layer (5, 11, ...) attends over the whole context, the others through the window. */
const GEMMA3_PATTERN = 6;
const gemma3FullLayers = (nLayers: number, isFull: (l: number) => boolean) => Array.from({ length: nLayers }, (_, l) => l).filter(isFull);

/**
 * The sliding window a config.json asks for, as transformers reads it: Mistral and Phi-3 use `sliding_window`
 * (null: none) on every layer (Phi-3-mini-4k: 2047); Qwen2 only with `use_sliding_window`, and then on the layers from
 * `max_window_layers` on (all of them when it is 0, none when it is ≥ the layer count). A window on
 * some layers only (Qwen2's per-layer mix, or a `layer_types` list that mixes kinds) is refused by name.
 * Llama's config has no window (a `sliding_window` key there is not read by transformers either).
 */
function windowFromHf(c: Record<string, unknown>, type: string, nLayers: number): number | null {
  const qwen = type === 'qwen2' || type === 'qwen3';
  if (type !== 'mistral' && type !== 'phi3' && !qwen) return null;
  if (qwen && c.use_sliding_window !== true) return null;
  if (c.sliding_window == null) return null;
  const w = num(c, 'sliding_window');
  if (!Number.isInteger(w) || w < 1) throw new ModelFileError(`config.json: "sliding_window" must be a positive integer or null, got ${JSON.stringify(c.sliding_window)}`);
  if (Array.isArray(c.layer_types)) {
    const kinds = new Set(c.layer_types.map(String));
    if (kinds.size > 1) throw new ModelFileError(`config.json: "layer_types" mixes ${[...kinds].join(' and ')} layers; a sliding window on some layers only is not supported (one window for every layer, or none)`);
    if (kinds.has('full_attention')) return null;
  }
  if (qwen) {
    const first = num(c, 'max_window_layers', 0);
    if (first >= nLayers) return null;
    if (first > 0) throw new ModelFileError(`config.json: use_sliding_window with max_window_layers ${first} of ${nLayers} layers (full attention below layer ${first}, a window from it on) is not supported; only a window on every layer (max_window_layers 0) or none`);
  }
  return w;
}

/** The architecture a config.json states; `name` becomes the config's id and label. */
export function configFromHf(raw: unknown, name = 'config.json'): ModelConfig {
  if (typeof raw !== 'object' || raw === null) throw new ModelFileError('config.json is not a JSON object');
  const c = raw as Record<string, unknown>;
  const type = String(c.model_type ?? '');
  if (type === 'gpt2') {
    const dim = num(c, 'n_embd');
    const nHeads = count(c, 'n_head');
    const act = String(c.activation_function ?? 'gelu_new');
    if (!['gelu_new', 'gelu_pytorch_tanh', 'gelu'].includes(act)) throw new ModelFileError(`config.json: activation_function "${act}" is not supported (gelu_new, gelu_pytorch_tanh)`);
    return check({
      id: name, label: name, arch: 'gpt2', vocabSize: num(c, 'vocab_size'), dim, nLayers: num(c, 'n_layer'), nHeads, nKvHeads: nHeads, headDim: dim / nHeads,
      ffnDim: c.n_inner == null ? 4 * dim : num(c, 'n_inner'), maxPositions: num(c, 'n_positions', 1024),
      norm: 'layernorm', normEps: num(c, 'layer_norm_epsilon', 1e-5), positions: { kind: 'learned' }, mlp: 'gelu',
      qkvBias: true, projBias: true, attentionWindow: null, tiedEmbeddings: true, sources: [],
    });
  }
  if (type === 'gemma3_text') return gemma3FromHf(c, name);
  if (type === 'gemma3') throw new ModelFileError('config.json: model_type "gemma3" (Gemma3ForConditionalGeneration, text and vision) is not supported; its text model alone (model_type "gemma3_text", e.g. gemma-3-1b) or a GGUF of it is');
  if (LLAMA_TYPES.includes(type)) {
    const dim = num(c, 'hidden_size');
    const nHeads = count(c, 'num_attention_heads');
    const act = String(c.hidden_act ?? 'silu');
    if (act !== 'silu') throw new ModelFileError(`config.json: hidden_act "${act}" is not supported (silu)`);
    let ropeScaling: RopeScaling | null = null;
    let longRope: RopeFactors | undefined;
    const rs = c.rope_scaling as Record<string, unknown> | null | undefined;
    // Phi-4-mini rotates 96 of a head's 128 dimensions (partial_rotary_factor 0.75): our RoPE rotates whole heads
    const partial = c.partial_rotary_factor ?? rs?.partial_rotary_factor;
    if (partial != null && partial !== 1) throw new ModelFileError(`config.json: partial_rotary_factor ${JSON.stringify(partial)} (RoPE on part of each head, e.g. Phi-4-mini) is not supported; only RoPE over whole heads (1.0)`);
    if (rs) {
      const rt = String(rs.rope_type ?? rs.type ?? '');
      if (rt === 'llama3') {
        ropeScaling = { factor: num(rs, 'factor'), lowFreqFactor: num(rs, 'low_freq_factor'), highFreqFactor: num(rs, 'high_freq_factor'), originalMaxPositions: num(rs, 'original_max_position_embeddings') };
      } else if (rt === 'linear') {
        // transformers' _compute_linear_scaling_rope_parameters: inv_freq / factor (positions divided by it), attention factor 1
        const factor = num(rs, 'factor');
        if (!(factor > 0)) throw new ModelFileError(`config.json: rope_scaling.factor ${factor} must be positive`);
        ropeScaling = { linear: true, factor };
      } else if (rt === 'longrope' || rt === 'su') {
        longRope = longRopeFromHf(c, rs, num(c, 'head_dim', dim / nHeads));
      } else if (rt !== 'default') {
        throw new ModelFileError(`config.json: rope_scaling type "${rt}" is not supported (linear, llama3, longrope, default)`);
      }
    }
    const positions: Positions = { kind: 'rope', theta: num(c, 'rope_theta', 10000), scaling: ropeScaling, ...(longRope ? { freqFactors: longRope } : {}) };
    return check({
      id: name, label: name, arch: 'llama', ...(type === 'llama' ? {} : { family: type }), vocabSize: num(c, 'vocab_size'), dim, nLayers: num(c, 'num_hidden_layers'), nHeads, nKvHeads: num(c, 'num_key_value_heads', nHeads),
      headDim: num(c, 'head_dim', dim / nHeads), ffnDim: num(c, 'intermediate_size'), maxPositions: num(c, 'max_position_embeddings', 2048),
      norm: 'rmsnorm', normEps: num(c, 'rms_norm_eps', 1e-6), positions, mlp: 'swiglu',
      // Phi-3's qkv_proj has no bias whatever attention_bias says (transformers' Phi3Attention)
      qkvBias: type !== 'phi3' && (c.attention_bias === true || type === 'qwen2'), projBias: false, attentionWindow: windowFromHf(c, type, num(c, 'num_hidden_layers')),
      tiedEmbeddings: c.tie_word_embeddings === true, sources: [],
      // Qwen3: q_norm / k_norm on each head before RoPE (transformers' Qwen3Attention)
      ...(type === 'qwen3' ? { qkNorm: true } : {}),
    });
  }
  throw new ModelFileError(`config.json: model_type "${type}" is not supported (${SUPPORTED_ARCHITECTURES.configJson.join(', ')})`);
}

/**
 * Gemma 3's text model (Gemma3ForCausalLM, transformers' modeling_gemma3.py): Llama's layer with q/k norms, sandwich
 * norms (post_attention_layernorm on the attention output, pre_feedforward_layernorm before the MLP,
 * post_feedforward_layernorm on its output), GeGLU (gelu_pytorch_tanh), embeddings times sqrt(hidden_size), scores
 * scaled by query_pre_attn_scalar^-1/2, a sliding window on the "sliding_attention" layers (`layer_types`, or every
 * layer but each `sliding_window_pattern`-th) whose RoPE base is rope_local_base_freq, unscaled, and rope_theta with
 * rope_scaling (linear) on the others. Every Gemma3RMSNorm multiplies by (1 + w): the readers add the 1 to the gains
 * as they load them (llama.cpp's converter stores w + 1 in the GGUF), so the math is the plain RMSNorm.
 */
function gemma3FromHf(c: Record<string, unknown>, name: string): ModelConfig {
  const dim = num(c, 'hidden_size');
  const nHeads = count(c, 'num_attention_heads');
  const nLayers = num(c, 'num_hidden_layers');
  const act = String(c.hidden_activation ?? c.hidden_act ?? 'gelu_pytorch_tanh');
  if (act !== 'gelu_pytorch_tanh') throw new ModelFileError(`config.json: gemma3_text hidden_activation "${act}" is not supported (gelu_pytorch_tanh)`);
  for (const k of ['final_logit_softcapping', 'attn_logit_softcapping']) {
    if (c[k] != null) throw new ModelFileError(`config.json: gemma3_text "${k}" ${JSON.stringify(c[k])} is not supported (Gemma 3 has none; Gemma 2's softcapping is not implemented)`);
  }
  if (c.use_bidirectional_attention === true) throw new ModelFileError('config.json: gemma3_text with use_bidirectional_attention (EmbeddingGemma) is not supported; Gemma 3 attends causally');
  if (c.rope_parameters != null) throw new ModelFileError('config.json: gemma3_text "rope_parameters" (per layer type) is not supported; rope_theta, rope_local_base_freq and rope_scaling are');
  let scaling: RopeScaling | null = null;
  const rs = c.rope_scaling as Record<string, unknown> | null | undefined;
  if (rs) {
    const rt = String(rs.rope_type ?? rs.type ?? '');
    if (rt === 'linear') scaling = { linear: true, factor: num(rs, 'factor') };
    else if (rt !== 'default') throw new ModelFileError(`config.json: gemma3_text rope_scaling type "${rt}" is not supported (linear, default)`);
  }
  const headDim = num(c, 'head_dim', 256);
  let window: number | null = null;
  let full: number[] = [];
  if (c.sliding_window != null) {
    window = num(c, 'sliding_window');
    if (!Number.isInteger(window) || window < 1) throw new ModelFileError(`config.json: "sliding_window" must be a positive integer or null, got ${JSON.stringify(c.sliding_window)}`);
    if (Array.isArray(c.layer_types)) {
      const types = c.layer_types.map(String);
      if (types.length !== nLayers || types.some((t) => t !== 'sliding_attention' && t !== 'full_attention')) throw new ModelFileError(`config.json: "layer_types" must name ${nLayers} layers, each sliding_attention or full_attention, got ${JSON.stringify(c.layer_types)}`);
      full = gemma3FullLayers(nLayers, (l) => types[l] === 'full_attention');
    } else {
      const pattern = num(c, 'sliding_window_pattern', GEMMA3_PATTERN);
      if (!Number.isInteger(pattern) || pattern < 1) throw new ModelFileError(`config.json: "sliding_window_pattern" must be a positive integer, got ${JSON.stringify(c.sliding_window_pattern)}`);
      full = gemma3FullLayers(nLayers, (l) => (l + 1) % pattern === 0);
    }
    if (full.length === nLayers) window = null;
  }
  return check({
    id: name, label: name, arch: 'llama', family: 'gemma3_text', vocabSize: num(c, 'vocab_size'), dim, nLayers, nHeads, nKvHeads: num(c, 'num_key_value_heads', nHeads),
    headDim, ffnDim: num(c, 'intermediate_size'), maxPositions: num(c, 'max_position_embeddings', 131072),
    norm: 'rmsnorm', normEps: num(c, 'rms_norm_eps', 1e-6), positions: { kind: 'rope', theta: num(c, 'rope_theta', 1e6), scaling }, mlp: 'geglu',
    qkvBias: c.attention_bias === true, projBias: false, attentionWindow: window,
    ...(window !== null ? { fullAttentionLayers: full, localRopeTheta: num(c, 'rope_local_base_freq', 10000) } : {}),
    tiedEmbeddings: c.tie_word_embeddings !== false, sources: [],
    qkNorm: true, postNorms: true, embedScale: Math.fround(Math.sqrt(dim)), ...queryScale(headDim, num(c, 'query_pre_attn_scalar', 256)),
  });
}

/**
 * GGUF gemma3 (llama.cpp's llm_build_gemma3 with its iSWA: src/models/gemma3.cpp, llama_hparams::set_swa_pattern):
 * the transformers model above with llama.cpp's rules: the window (attention.sliding_window, required here) on layer
 * l when l % p < p - 1 (p: attention.sliding_window_pattern, default 6; 0: every layer), RoPE base rope.freq_base_swa
 * (default 10000) unscaled there and rope.freq_base with rope.scaling (linear) on the others, cos /
 * sin times rope.scaling.attn_factor on all (ggml_rope_ext's attn_factor in src/models/gemma3.cpp, both layer kinds), q
 * scaled by 1 / sqrt(head size) (1 / sqrt(D / heads) for the 62-layer 27B), embeddings by sqrt(D); its gains already
 * hold 1 + w (the converter adds the 1); q/k rows in Hugging Face's order (NEOX RoPE); no LM head tensor when tied.
 */
function gemma3FromGguf(meta: Map<string, GgufValue>, get: (k: string, def?: number) => number, hasOutputTensor: boolean, vocab: number | undefined, name: string): ModelConfig {
  const dim = get('embedding_length');
  const nHeads = get('attention.head_count');
  if (!Number.isInteger(nHeads) || nHeads < 1) throw new ModelFileError(`GGUF metadata gemma3.attention.head_count must be a positive integer, got ${nHeads}`);
  const nLayers = get('block_count');
  const headDim = get('attention.key_length', dim / nHeads);
  if (get('attention.value_length', headDim) !== headDim) throw new ModelFileError(`GGUF gemma3: attention.value_length ${get('attention.value_length')} differs from attention.key_length ${headDim} (not supported)`);
  const window = get('attention.sliding_window', 0);
  if (!(window > 0)) throw new ModelFileError('GGUF gemma3: attention.sliding_window is missing or 0 (a Gemma 3 without its sliding-window layers is not supported)');
  if (get('final_logit_softcapping', 0) !== 0) throw new ModelFileError(`GGUF gemma3: final_logit_softcapping ${get('final_logit_softcapping')} is not supported`);
  // llama.cpp's layer pattern (attention.sliding_window_pattern, a period; default 6): layer l windowed when the period is
  // 0 or l % period < period - 1 (llama_hparams::set_swa_pattern); a per-layer array is refused by name
  const pv = meta.get('gemma3.attention.sliding_window_pattern') ?? GEMMA3_PATTERN;
  if (typeof pv !== 'number' || !Number.isInteger(pv) || pv < 0) {
    throw new ModelFileError(`GGUF gemma3: attention.sliding_window_pattern must be a period (a non-negative integer), got ${Array.isArray(pv) ? 'a per-layer array (not supported)' : JSON.stringify(pv)}`);
  }
  const period = pv;
  // the windowed layers' RoPE base: rope.freq_base_swa, default 10000 (llama_hparams::rope_freq_base_train_swa)
  const localTheta = get('rope.freq_base_swa', 10000);
  if (!(localTheta > 0)) throw new ModelFileError(`GGUF gemma3: rope.freq_base_swa must be positive, got ${localTheta}`);
  // llama.cpp's gemma3 ropes every layer, windowed or not, with attn_factor (rope.scaling.attn_factor) and no rope_freqs
  const rope = ropeScalingFromGguf('gemma3', meta, get, headDim);
  // llama.cpp's f_attention_scale: the 27B (62 layers) scales by D / heads, the others by the head size
  const scaleDim = nLayers === 62 ? dim / nHeads : headDim;
  return check({
    id: name, label: name, arch: 'llama', family: 'gemma3', vocabSize: get('vocab_size', vocab), dim, nLayers, nHeads, nKvHeads: get('attention.head_count_kv', nHeads), headDim,
    ffnDim: get('feed_forward_length'), maxPositions: get('context_length'), norm: 'rmsnorm', normEps: get('attention.layer_norm_rms_epsilon'),
    positions: { kind: 'rope', theta: get('rope.freq_base', 10000), ...rope }, mlp: 'geglu', qkvBias: false, projBias: false,
    attentionWindow: window, fullAttentionLayers: gemma3FullLayers(nLayers, (l) => period !== 0 && l % period === period - 1), localRopeTheta: localTheta,
    tiedEmbeddings: !hasOutputTensor, sources: [],
    qkNorm: true, postNorms: true, embedScale: Math.fround(Math.sqrt(dim)), ...queryScale(headDim, scaleDim),
  });
}

/** Scores scaled by 1 / sqrt(scalar) on heads of headDim: ModelConfig.queryScale, sqrt(headDim / scalar), where that is not 1. */
const queryScale = (headDim: number, scalar: number) => (scalar === headDim ? {} : { queryScale: Math.sqrt(headDim / scalar) });

/**
 * LongRoPE from config.json, as transformers computes it (modeling_rope_utils' _compute_longrope_parameters): the
 * factors of rope_scaling, the original context from the top-level original_max_position_embeddings (Phi-3) or
 * rope_scaling's, and the attention factor rope_scaling.attention_factor, else sqrt(1 + ln(s) / ln(original)) for
 * s = max_position_embeddings / original > 1 (else 1), the value llama.cpp's converter writes as rope.scaling.attn_factor.
 */
function longRopeFromHf(c: Record<string, unknown>, rs: Record<string, unknown>, headDim: number): RopeFactors {
  const factors = (k: string): number[] => {
    const v = rs[k];
    if (!Array.isArray(v) || v.length !== headDim / 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      throw new ModelFileError(`config.json: rope_scaling.${k} must be ${headDim / 2} positive numbers (one per RoPE frequency of a head of ${headDim}), got ${Array.isArray(v) ? `${v.length} values` : JSON.stringify(v)}`);
    }
    return v as number[];
  };
  const maxPos = num(c, 'max_position_embeddings', 2048);
  const origKey = c.original_max_position_embeddings != null ? c : rs.original_max_position_embeddings != null ? rs : null;
  const original = origKey ? num(origKey, 'original_max_position_embeddings') : maxPos;
  const s = origKey ? maxPos / original : num(rs, 'factor', 1);
  const attentionFactor = rs.attention_factor != null ? num(rs, 'attention_factor') : s > 1 ? Math.sqrt(1 + Math.log(s) / Math.log(original)) : 1;
  return { short: factors('short_factor'), long: factors('long_factor'), originalMaxPositions: original, attentionFactor };
}

/** A loaded model's architecture as the Loaded line and `npm run generate` name it: "llama", "qwen3 (run as llama)". */
export const archText = (c: Pick<ModelConfig, 'arch' | 'family'>): string => (c.family ? `${c.family} (run as ${c.arch})` : c.arch);

/** The architecture GGUF metadata states; `name` becomes the config's id and label. */
export function configFromGguf(meta: Map<string, GgufValue>, hasOutputTensor: boolean, hasQkvBias: boolean, name = 'model.gguf', ropeFactors?: GgufRopeFactors): ModelConfig {
  const arch = String(meta.get('general.architecture') ?? '');
  const get = (k: string, def?: number): number => {
    const v = meta.get(`${arch}.${k}`) ?? def;
    if (typeof v !== 'number') throw new ModelFileError(`GGUF metadata ${arch}.${k} is missing or not a number`);
    return v;
  };
  const tokens = meta.get('tokenizer.ggml.tokens');
  const vocabFromTokens = Array.isArray(tokens) ? tokens.length : undefined;
  // qwen2 (Qwen2 / Qwen2.5, DeepSeek-R1-Distill-Qwen): Llama's architecture with q/k/v biases; its q/k rows are in Hugging
  // Face's order (openGguf reads the layout from general.architecture). qwen3 (Qwen3 dense): no biases (llama.cpp loads
  // none), per-head q/k RMSNorms (blk.N.attn_q_norm / attn_k_norm), rows in Hugging Face's order too, and its head size
  // in attention.key_length (not embedding_length / head_count: Qwen3-0.6B has 16 heads of 128 in 1024). phi3 (Phi-3 /
  // 3.5-mini, Phi-3-medium): q/k/v fused (attn_qkv) or not, gate and up fused (ffn_up of 2·FF rows), rows in Hugging
  // Face's order (NEOX RoPE), LongRoPE from the rope_factors_short / _long tensors (ropeFactors). llama (Llama-3.1 / 3.2 /
  // 3.3): the "llama3" RoPE scaling as the rope_freqs tensor; llama, qwen2, qwen3: rope.scaling.* (ropeScalingFromGguf).
  // llama.cpp creates rope_freqs for its llama architecture only (src/models/llama.cpp); with any other it refuses the file (a tensor too many)
  if (ropeFactors?.freqs && arch !== 'llama' && ([...SUPPORTED_ARCHITECTURES.gguf] as string[]).includes(arch)) throw new ModelFileError(`GGUF ${arch}: rope_freqs.weight (per-dimension RoPE frequency factors) is not read by llama.cpp's ${arch} architecture, only by llama; not supported`);
  if (arch === 'gemma3') return gemma3FromGguf(meta, get, hasOutputTensor, vocabFromTokens, name);
  if ((SUPPORTED_ARCHITECTURES.gguf as readonly string[]).includes(arch)) {
    const dim = get('embedding_length');
    const nHeads = get('attention.head_count');
    if (!Number.isInteger(nHeads) || nHeads < 1) throw new ModelFileError(`GGUF metadata ${arch}.attention.head_count must be a positive integer, got ${nHeads}`);
    const llama = arch !== 'gpt2';
    if (arch === 'qwen2' && !hasQkvBias) throw new ModelFileError('GGUF qwen2: blk.0.attn_q.bias is missing (a Qwen2 model has q/k/v biases; llama.cpp requires them too)');
    const qwen3 = arch === 'qwen3', phi3 = arch === 'phi3';
    // llama.cpp: the head size is attention.key_length (default D / heads), RoPE's dimensions rope.dimension_count (default the head size)
    const headDim = qwen3 || phi3 ? get('attention.key_length', dim / nHeads) : llama ? get('rope.dimension_count', dim / nHeads) : dim / nHeads;
    if (phi3 && get('rope.dimension_count', headDim) !== headDim) throw new ModelFileError(`GGUF phi3: rope.dimension_count ${get('rope.dimension_count')} rotates part of a head of ${headDim} (partial RoPE, e.g. Phi-4-mini, is not supported)`);
    if (qwen3 && get('attention.value_length', headDim) !== headDim) throw new ModelFileError(`GGUF qwen3: attention.value_length ${get('attention.value_length')} differs from attention.key_length ${headDim} (not supported)`);
    if (qwen3 && get('rope.dimension_count', headDim) !== headDim) throw new ModelFileError(`GGUF qwen3: rope.dimension_count ${get('rope.dimension_count')} rotates part of a head of ${headDim} (partial RoPE is not supported)`);
    return check({
      id: name, label: name, arch: llama ? 'llama' : 'gpt2', ...(arch === 'llama' || arch === 'gpt2' ? {} : { family: arch }), vocabSize: get('vocab_size', vocabFromTokens), dim, nLayers: get('block_count'), nHeads,
      nKvHeads: llama ? get('attention.head_count_kv', nHeads) : nHeads,
      headDim,
      ffnDim: get('feed_forward_length'), maxPositions: get('context_length'),
      norm: llama ? 'rmsnorm' : 'layernorm',
      normEps: llama ? get('attention.layer_norm_rms_epsilon') : get('attention.layer_norm_epsilon'),
      positions: llama ? { kind: 'rope', theta: get('rope.freq_base', 10000), ...(phi3 ? { scaling: null, ...longRopeFromGguf(get, headDim, ropeFactors) } : ropeScalingFromGguf(arch, meta, get, headDim, ropeFactors?.freqs)) } : { kind: 'learned' },
      mlp: llama ? 'swiglu' : 'gelu', qkvBias: !llama || (!qwen3 && hasQkvBias), projBias: !llama,
      // llama.cpp's key for a sliding window (LLM_KV_ATTENTION_SLIDING_WINDOW); absent or 0: none. phi3 files carry one
      // (Phi-3-mini-4k: 2047) that llama.cpp ignores ("Phi SWA is currently disabled", src/models/phi3.cpp): so do we
      attentionWindow: llama && !phi3 && get('attention.sliding_window', 0) > 0 ? get('attention.sliding_window') : null,
      tiedEmbeddings: !hasOutputTensor, sources: [],
      ...(qwen3 ? { qkNorm: true } : {}),
    });
  }
  throw new ModelFileError(`GGUF general.architecture "${arch}" is not supported (${SUPPORTED_ARCHITECTURES.gguf.join(', ')})`);
}

/**
 * LongRoPE of a GGUF phi3 file, as llama.cpp reads it: the rope_factors_short / rope_factors_long tensors (none: plain
 * RoPE, Phi-3-mini-4k), rope.scaling.original_context_length (default context_length) and rope.scaling.attn_factor
 * (default 1), which cos / sin are multiplied by. A rope.scaling.type or factor that would scale further is refused.
 */
function longRopeFromGguf(get: (k: string, def?: number) => number, headDim: number, f?: { short?: Float32Array; long?: Float32Array }): { freqFactors?: RopeFactors } {
  if (get('rope.scaling.factor', 0) !== 0 && get('rope.scaling.factor', 0) !== 1) throw new ModelFileError(`GGUF phi3: rope.scaling.factor ${get('rope.scaling.factor')} (linear / YaRN RoPE scaling) is not supported`);
  if (!f?.short && !f?.long) return {};
  if (!f.short || !f.long) throw new ModelFileError(`GGUF phi3: rope_factors_${f.short ? 'long' : 'short'}.weight is missing (LongRoPE needs both factor tensors)`);
  for (const [k, v] of [['short', f.short], ['long', f.long]] as const) {
    if (v.length !== headDim / 2) throw new ModelFileError(`GGUF phi3: rope_factors_${k}.weight has ${v.length} values, expected ${headDim / 2} (one per RoPE frequency of a head of ${headDim})`);
  }
  return { freqFactors: { short: [...f.short], long: [...f.long], originalMaxPositions: get('rope.scaling.original_context_length', get('context_length')), attentionFactor: get('rope.scaling.attn_factor', 1) } };
}

/**
 * A GGUF's linear RoPE scaling as llama.cpp reads it (llama_model::load_hparams, llama_context): rope.scaling.factor
 * (older key rope.scale_linear; 0 or absent: none) divides every frequency (freq_scale = 1 / factor) unless
 * rope.scaling.type is "none"; absent, the type is "linear". Other types (yarn, longrope) are refused.
 */
function linearRopeFromGguf(arch: string, meta: Map<string, GgufValue>, get: (k: string, def?: number) => number): RopeScaling | null {
  const st = meta.get(`${arch}.rope.scaling.type`);
  const factor = get('rope.scaling.factor', get('rope.scale_linear', 1));
  if (st !== undefined && st !== 'linear' && st !== 'none') throw new ModelFileError(`GGUF ${arch}: rope.scaling.type "${String(st)}" is not supported (linear, none)`);
  if (st !== 'none' && !(factor >= 0)) throw new ModelFileError(`GGUF ${arch}: rope.scaling.factor ${factor} must be positive`);
  return st !== 'none' && factor !== 1 && factor !== 0 ? { linear: true, factor } : null;
}

/**
 * RoPE of a GGUF llama / qwen2 / qwen3 / gemma3 file as llama.cpp applies it (ggml_rope_ext): linear scaling (linearRopeFromGguf);
 * `freqs`, the rope_freqs tensor (llama only: Llama-3.1 / 3.2 / 3.3, whose "llama3" scaling llama.cpp's converter writes
 * as headDim / 2 divisors of the frequencies, f32), and rope.scaling.attn_factor (default 1; multiplies cos / sin) as
 * the one set of per-dimension factors (RopeFactors, short = long); neither: no factors.
 */
function ropeScalingFromGguf(arch: string, meta: Map<string, GgufValue>, get: (k: string, def?: number) => number, headDim: number, freqs?: Float32Array): { scaling: RopeScaling | null; freqFactors?: RopeFactors } {
  const scaling = linearRopeFromGguf(arch, meta, get);
  const attentionFactor = get('rope.scaling.attn_factor', 1);
  if (freqs) {
    if (freqs.length !== headDim / 2) throw new ModelFileError(`GGUF ${arch}: rope_freqs.weight has ${freqs.length} values, expected ${headDim / 2} (one per RoPE frequency of a head of ${headDim})`);
    const bad = freqs.findIndex((v) => !(v > 0));
    if (bad >= 0) throw new ModelFileError(`GGUF ${arch}: rope_freqs.weight[${bad}] is ${freqs[bad]}; frequency factors must be positive`);
  }
  if (!freqs && attentionFactor === 1) return { scaling };
  const f = freqs ? [...freqs] : new Array<number>(headDim / 2).fill(1);
  return { scaling, freqFactors: { short: f, long: f, originalMaxPositions: get('context_length'), attentionFactor } };
}

/** The per-dimension RoPE factor tensors a GGUF may hold (f32, read before the config): Phi-3's LongRoPE pair, Llama-3.1's rope_freqs. */
export interface GgufRopeFactors { short?: Float32Array; long?: Float32Array; freqs?: Float32Array }

function check(c: ModelConfig): ModelConfig {
  for (const k of ['vocabSize', 'dim', 'nLayers', 'nHeads', 'nKvHeads', 'headDim', 'ffnDim', 'maxPositions'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new ModelFileError(`model config: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.attentionWindow !== null && (!Number.isInteger(c.attentionWindow) || c.attentionWindow < 1)) throw new ModelFileError(`model config: the sliding window must be a positive integer, got ${c.attentionWindow}`);
  if (c.nHeads % c.nKvHeads !== 0) throw new ModelFileError(`model config: ${c.nHeads} attention heads is not a multiple of ${c.nKvHeads} KV heads`);
  if (c.headDim % 2 !== 0) throw new ModelFileError(`model config: head dim ${c.headDim} must be even (RoPE rotates pairs)`);
  return c;
}

/**
 * RoPE inverse frequencies [headDim / 2] (f64) of `positions` (default the config's; a Gemma 3 windowed layer's own:
 * localPositions), with its scaling (Llama-3.1's, linear) when configured, and the per-dimension frequency factors
 * (LongRoPE's, a GGUF's rope_freqs) for a context of `context` positions (default the model's maximum; LongRoPE's long
 * ones beyond the original context, as llama.cpp picks them).
 */
export function ropeInvFreq(c: ModelConfig, context = c.maxPositions, positions: Positions = c.positions): Float64Array {
  if (positions.kind !== 'rope') throw new Error(`${c.id}: positions are ${positions.kind}, not RoPE`);
  const { theta, scaling: s, freqFactors: ff } = positions;
  const ext = ff ? (context > ff.originalMaxPositions ? ff.long : ff.short) : null;
  const half = c.headDim / 2;
  const out = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    let f = 1 / Math.pow(theta, (2 * i) / c.headDim);
    if (s?.linear) f = f / s.factor;
    else if (s) {
      const lowWave = s.originalMaxPositions / s.lowFreqFactor;
      const highWave = s.originalMaxPositions / s.highFreqFactor;
      const wave = (2 * Math.PI) / f;
      if (wave > lowWave) f = f / s.factor;
      else if (wave >= highWave) {
        const smooth = (s.originalMaxPositions / wave - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        f = (1 - smooth) * (f / s.factor) + smooth * f;
      }
    }
    out[i] = ext ? f / ext[i] : f;
  }
  return out;
}

/**
 * cos/sin table [positions, headDim/2, 2] in f32, computed in f64 (the GPU reads it; no sin() of large angles on the GPU);
 * `positions` is the context (LongRoPE picks its factors by it), and the factors' attention factor scales cos and sin;
 * of `rope` (default the config's positions; a Gemma 3 windowed layer's own: localPositions).
 */
export function ropeTable(c: ModelConfig, positions: number, rope: Positions = c.positions): Float32Array {
  const inv = ropeInvFreq(c, positions, rope);
  const m = rope.kind === 'rope' && rope.freqFactors ? rope.freqFactors.attentionFactor : 1;
  const half = inv.length;
  const t = new Float32Array(positions * half * 2);
  for (let p = 0; p < positions; p++)
    for (let i = 0; i < half; i++) {
      t[(p * half + i) * 2] = m * Math.cos(p * inv[i]);
      t[(p * half + i) * 2 + 1] = m * Math.sin(p * inv[i]);
    }
  return t;
}
